"""Fixtures shared across test packages.

``sample_index`` — a real index (default embedding model, embedded Chroma, BM25)
over the sample reports in ``data/reports``, built once per test session in a
session-scoped data dir (the converted embedding model is cached there too, under
``models/``). Heavy imports happen inside the fixture so collecting unit tests
stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from baocao.settings import Settings
    from vectorstore.index import Index

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_REPORTS = REPO_ROOT / "data" / "reports"


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Index]]:
    """``(settings, index)`` over every file of ``data/reports``, real default model."""
    from baocao.settings import DEFAULT_EMBEDDING_MODEL, load_settings
    from vectorstore.ingest_service import IngestService

    data_dir = tmp_path_factory.mktemp("sample-index")
    settings = load_settings(
        data_dir=data_dir,
        embedding_model=DEFAULT_EMBEDDING_MODEL,
        chroma_host=None,
        llm_base_url=None,
        llm_model=None,
    )
    service = IngestService(settings)
    files = sorted(p for p in SAMPLE_REPORTS.iterdir() if p.is_file())
    assert files, f"no sample reports in {SAMPLE_REPORTS}"
    for path in files:
        service.add_file(path)
    service.finish()
    index = service.index
    assert len(index.documents(fresh=True)) == len(files)
    yield settings, index
    service.close()
