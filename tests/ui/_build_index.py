"""Build a small index for the UI tests (run as a subprocess so the test process
holds no Chroma handle on it): ``python -m tests.ui._build_index DATA_DIR FILE[::WARD]...``."""

from __future__ import annotations

import sys
from pathlib import Path


def build(data_dir: Path, files: list[tuple[Path, str | None]]) -> None:
    from baocao.settings import load_settings
    from ingest.pipeline import parse_file
    from vectorstore.index import Index

    settings = load_settings(data_dir=data_dir, embedding_model="hash:256", chroma_host=None)
    index = Index(settings)
    for path, ward in files:
        index.add_document(parse_file(path, settings, ward=ward))
    index.refresh_lexical(force_save=True)


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
