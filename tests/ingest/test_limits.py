"""Issue 17 item 1: limits on what a file may expand to, checked while reading."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from baocao.settings import Settings, load_settings
from ingest import limits as limits_mod
from ingest.errors import CorruptDocx, IngestError, LimitExceeded
from ingest.limits import ReadBudget, ReadLimits, check_zip
from ingest.pipeline import parse_file
from tests.ingest.conftest import XUONG_GIANG
from tests.ingest.hostile_makers import (
    docx_bomb,
    docx_many_members,
    docx_with_media,
    lying_zip_docx,
    pdf_declaring_pages,
    pdf_stream_bomb,
)
from tests.ingest.makers import make_docx, make_long_pdf


def _settings(tmp: Path, **kw: object) -> Settings:
    return load_settings(data_dir=tmp / "data", **kw)


def _refused(path: Path, settings: Settings, setting: str) -> LimitExceeded:
    with pytest.raises(LimitExceeded) as ei:
        parse_file(path, settings)
    err = ei.value
    assert err.setting == setting, err.message_vi
    assert setting in err.message_vi and path.name in err.message_vi
    assert "\n" not in err.message_vi
    return err


@pytest.mark.parametrize("isolated", [True, False], ids=["child", "inline"])
def test_docx_bomb_refused_before_python_docx(
    tmp_path: Path, isolated: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """270 KB of zip holding 30 MB of XML: refused by the streaming count, python-docx never runs."""
    bomb = docx_bomb(tmp_path / "bom.docx", 30, tmp_path)
    assert bomb.stat().st_size < 400_000
    if not isolated:
        import docx

        monkeypatch.setattr(docx, "Document", lambda *a, **k: pytest.fail("python-docx read a bomb"))
    _refused(bomb, _settings(tmp_path, parse_isolated=isolated), "BAOCAO_MAX_XML_MB")


def test_check_zip_counts_inflated_bytes_not_declared_sizes(tmp_path: Path) -> None:
    """A zip whose headers say 1 KB is read as what it really inflates to (or found corrupt)."""
    liar = lying_zip_docx(tmp_path / "liar.docx", tmp_path)
    with pytest.raises((LimitExceeded, CorruptDocx)):
        check_zip(io.BytesIO(liar.read_bytes()), ReadBudget(ReadLimits(), "liar.docx"))
    with pytest.raises(IngestError):
        parse_file(liar, _settings(tmp_path))


def test_total_unzipped_size_limit(tmp_path: Path) -> None:
    f = docx_with_media(tmp_path / "anh.docx", 3, tmp_path)
    _refused(f, _settings(tmp_path, max_unzipped_mb=2, parse_isolated=False), "BAOCAO_MAX_UNZIPPED_MB")
    assert (
        parse_file(f, _settings(tmp_path, max_unzipped_mb=10, parse_isolated=False)).metadata.ward
        == "Hội Phú"
    )


def test_zip_member_count_limit(tmp_path: Path) -> None:
    f = docx_many_members(tmp_path / "nhieu.docx", 60, tmp_path)
    _refused(f, _settings(tmp_path, max_zip_members=50), "BAOCAO_MAX_ZIP_MEMBERS")
    assert parse_file(f, _settings(tmp_path, max_zip_members=100)).chunks


def test_pdf_declared_page_count_refused_before_pages_are_parsed(tmp_path: Path) -> None:
    f = pdf_declaring_pages(tmp_path / "trang.pdf", 1_000_000)
    err = _refused(f, _settings(tmp_path), "BAOCAO_MAX_PDF_PAGES")
    assert "1000000 trang" in err.message_vi


def test_pdf_real_page_count_limit(tmp_path: Path, fonts: tuple[Path, Path]) -> None:
    import pypdf

    f, _ = make_long_pdf(tmp_path / "dai.pdf", fonts, pages=4)
    n = len(pypdf.PdfReader(f).pages)
    assert n >= 2
    _refused(f, _settings(tmp_path, max_pdf_pages=n - 1), "BAOCAO_MAX_PDF_PAGES")
    assert parse_file(f, _settings(tmp_path, max_pdf_pages=n)).chunks


@pytest.mark.parametrize("kind", ["txt", "docx", "pdf"])
def test_extracted_characters_limit(tmp_path: Path, kind: str, fonts: tuple[Path, Path]) -> None:
    if kind == "txt":
        f = tmp_path / "bao_cao.txt"
        f.write_bytes(XUONG_GIANG.read_bytes())
    elif kind == "docx":
        f = make_docx(tmp_path / "bao_cao.docx")
    else:
        f, _ = make_long_pdf(tmp_path / "bao_cao.pdf", fonts, pages=3)
    _refused(f, _settings(tmp_path, max_chars=200), "BAOCAO_MAX_CHARS")
    assert parse_file(f, _settings(tmp_path)).chunks


def test_wall_clock_budget_is_checked_while_reading() -> None:
    now = [0.0]
    budget = ReadBudget(ReadLimits(max_seconds=10), "cham.docx", clock=lambda: now[0])
    budget.add_chars(10)
    now[0] = 10.5
    with pytest.raises(LimitExceeded) as ei:
        budget.add_chars(10)
    assert ei.value.setting == "BAOCAO_PARSE_TIMEOUT_S"


def test_slow_docx_stopped_by_the_time_budget_in_the_child(tmp_path: Path) -> None:
    """Under every size limit but slow to read: the child stops at the budget, the parent goes on.
    10 MB of XML takes seconds to walk on any machine; the budget is a tenth of a second."""
    f = docx_bomb(tmp_path / "cham.docx", 10, tmp_path)
    _refused(f, _settings(tmp_path, parse_timeout_s=0.1, max_chars=10**9), "BAOCAO_PARSE_TIMEOUT_S")


def test_pdf_stream_bomb_stopped_by_the_memory_limit(tmp_path: Path) -> None:
    """A PDF whose doubly compressed content stream inflates to 400 MB in one parser call:
    the child's RLIMIT_AS stops it; the reading process (this one) never holds the data."""
    f = pdf_stream_bomb(tmp_path / "bom.pdf", 400, twice=True)
    assert f.stat().st_size < 100_000
    _refused(f, _settings(tmp_path, parse_memory_mb=300), "BAOCAO_PARSE_MEMORY_MB")


@pytest.mark.parametrize("isolated", [True, False], ids=["child", "inline"])
def test_pdf_stream_bomb_is_counted_while_inflating(tmp_path: Path, isolated: bool) -> None:
    """A 400 KB PDF whose FlateDecode stream inflates to 400 MB: counted piece by piece and
    refused before the parser holds it (inline too, where no memory limit would save us)."""
    f = pdf_stream_bomb(tmp_path / "bom.pdf", 400)
    _refused(f, _settings(tmp_path, parse_isolated=isolated), "BAOCAO_MAX_UNZIPPED_MB")


def test_limits_come_from_settings() -> None:
    s = load_settings(max_unzipped_mb=7, max_xml_mb=3, max_zip_members=9, max_pdf_pages=11, max_chars=13)
    lim = ReadLimits.from_settings(s)
    assert (lim.max_unzipped_bytes, lim.max_xml_bytes) == (7 * limits_mod.MB, 3 * limits_mod.MB)
    assert (lim.max_zip_members, lim.max_pdf_pages, lim.max_chars) == (9, 11, 13)
