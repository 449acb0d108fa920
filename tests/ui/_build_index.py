"""Build a small index for the UI tests (run as a subprocess so the test process
holds no Chroma handle on it): ``python -m tests.ui._build_index DATA_DIR FILE[::WARD]...``."""

from __future__ import annotations

import sys
from pathlib import Path


def build(data_dir: Path, files: list[tuple[Path, str | None]]) -> None:
    from baocao.settings import load_settings
    from vectorstore.ingest_service import IngestService

    settings = load_settings(data_dir=data_dir, embedding_model="hash:256", chroma_host=None)
    service = IngestService(settings)
    try:
        for path, ward in files:
            service.add_file(path, ward)
    finally:
        service.close()


def main(argv: list[str]) -> int:
    data_dir = Path(argv[0])
    files: list[tuple[Path, str | None]] = []
    for arg in argv[1:]:
        path, _, ward = arg.partition("::")
        files.append((Path(path), ward or None))
    build(data_dir, files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
