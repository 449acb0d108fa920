"""Fixtures for ingest tests: the sample reports, settings, generated PDF/DOCX files."""

from __future__ import annotations

from pathlib import Path

import pytest

from baocao.settings import Settings, load_settings
from ingest.models import ParsedDocument
from ingest.pipeline import parse_file

REPO = Path(__file__).resolve().parents[2]
REPORTS = REPO / "data" / "reports"
XUONG_GIANG = REPORTS / "000_347ec1f2055dce63.txt"
NGO_QUYEN = REPORTS / "003_0cab950f740f85d5.txt"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def xg(settings: Settings) -> ParsedDocument:
    return parse_file(XUONG_GIANG, settings)


@pytest.fixture(scope="session")
def nq(settings: Settings) -> ParsedDocument:
    return parse_file(NGO_QUYEN, settings)


@pytest.fixture(scope="session")
def fonts() -> tuple[Path, Path]:
    import matplotlib

    base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    regular, bold = base / "DejaVuSans.ttf", base / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        pytest.skip("DejaVu fonts not found")
    return regular, bold
