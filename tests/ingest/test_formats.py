"""Real PDF (fpdf2) and DOCX (python-docx) files round-trip to the expected clean text."""

from __future__ import annotations

from pathlib import Path

import pytest

from baocao.settings import Settings
from ingest.pipeline import SIGNATURE_HEADING, parse_file
from ingest.undouble import doubled_tokens

from . import makers

pytestmark = pytest.mark.unit


def test_pdf_round_trip(tmp_path: Path, settings: Settings, fonts: tuple[Path, Path]) -> None:
    doc = parse_file(makers.make_pdf(tmp_path / "hoi_phu.pdf", fonts), settings)
    m = doc.metadata
    assert (m.ward, m.ward_kind, m.doc_number, m.date, m.pages) == (
        "Hội Phú",
        "phường",
        "12/BC-UBND",
        "2023-12-05",
        2,
    )
    assert m.title == "Báo cáo Tình hình kinh tế - xã hội năm 2023"
    assert m.signer == "Nguyễn Văn Ánh"
    lines = doc.text.split("\n")
    assert makers.P1 in lines  # wrapped lines joined back into the paragraph
    assert makers.P2 in lines
    # each table row reads with its column headers and is a passage of its own
    assert "Chỉ tiêu: Thu ngân sách | Kế hoạch: 10 tỷ | Thực hiện: 12 tỷ" in lines
    assert makers.H2 in lines  # fake bold removed by dedupe_chars
    assert doubled_tokens(doc.text) == []
    by_head: dict[str, object] = {}
    for c in doc.chunks:  # the first chunk of each section (table rows come after)
        if c.heading_path:
            by_head.setdefault(c.heading_path[-1], c)
    assert by_head[makers.H1].page == 1 and makers.P1 in by_head[makers.H1].text
    row = next(c for c in doc.chunks if "Hộ nghèo" in c.text)
    assert row.text == "Chỉ tiêu: Hộ nghèo | Kế hoạch: 5 hộ | Thực hiện: 4 hộ"
    assert row.heading_path == [makers.H1] and row.page == 1
    assert by_head[makers.H2].page == 2 and makers.P2 in by_head[makers.H2].text


def test_pdf_real_bold_heading(tmp_path: Path, settings: Settings, fonts: tuple[Path, Path]) -> None:
    doc = parse_file(makers.make_pdf(tmp_path / "b.pdf", fonts, fake_bold=False), settings)
    body = [c.heading_path for c in doc.chunks if c.heading_path and c.heading_path != [SIGNATURE_HEADING]]
    assert list(dict.fromkeys(map(tuple, body))) == [(makers.H1,), (makers.H2,)]


def test_pdf_fake_bold_without_dedupe_would_double(tmp_path: Path, fonts: tuple[Path, Path]) -> None:
    """The generated PDF really draws the heading twice (so the test above means something)."""
    import pdfplumber

    path = makers.make_pdf(tmp_path / "fb.pdf", fonts)
    with pdfplumber.open(path) as pdf:
        raw = pdf.pages[1].extract_text()
        deduped = pdf.pages[1].dedupe_chars().extract_text()
    assert "IIII.." in raw
    assert makers.H2 in deduped


def test_docx_round_trip(tmp_path: Path, settings: Settings) -> None:
    doc = parse_file(makers.make_docx(tmp_path / "hoi_phu.docx"), settings)
    m = doc.metadata
    assert (m.ward, m.doc_number, m.date, m.doc_type) == ("Hội Phú", "12/BC-UBND", "2023-12-05", "Báo cáo")
    assert m.title == "Báo cáo Tình hình kinh tế - xã hội năm 2023"
    assert m.signer == "Nguyễn Văn Ánh"
    lines = doc.text.split("\n")
    for expected in (makers.P1, makers.P2, *makers.HEADER, *makers.TITLE, makers.H1):
        assert expected in lines
    assert "Chỉ tiêu: Thu ngân sách | Kế hoạch: 10 tỷ | Thực hiện: 12 tỷ" in lines
    assert "Chỉ tiêu: Hộ nghèo | Kế hoạch: 5 hộ | Thực hiện: 4 hộ" in lines
    paths = [c.heading_path for c in doc.chunks]
    assert [makers.H1] in paths
    # an unnumbered styled heading nests below H1; being tiny it is merged with its parent's chunk
    c2 = next(c for c in doc.chunks if makers.P2 in c.text)
    assert c2.heading_path[0] == makers.H1 and f"Văn hóa - xã hội\n{makers.P2}" in c2.text
    table_chunk = next(c for c in doc.chunks if "Hộ nghèo" in c.text)
    assert table_chunk.heading_path == [makers.H1]
    assert table_chunk.text == "Chỉ tiêu: Hộ nghèo | Kế hoạch: 5 hộ | Thực hiện: 4 hộ"
    assert all(c.page is None for c in doc.chunks)


def test_docx_text_is_nfc(tmp_path: Path, settings: Settings) -> None:
    import unicodedata

    from docx import Document

    d = Document()
    d.add_paragraph("UBND XÃ ĐỨC GIANG")
    d.add_paragraph(unicodedata.normalize("NFD", "Báo cáo tình hình kinh tế của xã Đức Giang năm 2023."))
    path = tmp_path / "nfd.docx"
    d.save(str(path))
    doc = parse_file(path, settings)
    assert unicodedata.is_normalized("NFC", doc.text)
    assert (doc.metadata.ward, doc.metadata.ward_kind) == ("Đức Giang", "xã")
    assert "Báo cáo tình hình kinh tế của xã Đức Giang năm 2023." in doc.text


def test_markdown_and_utf16(tmp_path: Path, settings: Settings) -> None:
    text = "# Báo cáo của UBND phường Hội Phú\n\n**I. KINH TẾ**\n\nThu ngân sách đạt 12 tỷ đồng, tăng 5%.\n"
    p = tmp_path / "a.md"
    p.write_text(text, encoding="utf-8-sig")
    q = tmp_path / "b.txt"
    q.write_text(text, encoding="utf-16")
    a, b = parse_file(p, settings), parse_file(q, settings)
    assert a.text == b.text
    assert a.metadata.ward == "Hội Phú"
    assert any(c.heading_path == ["I. KINH TẾ"] and "tăng 5%" in c.text for c in a.chunks)


def test_pdf_running_headers_and_page_numbers_removed(
    tmp_path: Path, settings: Settings, fonts: tuple[Path, Path]
) -> None:
    path, para = makers.make_long_pdf(tmp_path / "dai.pdf", fonts)
    doc = parse_file(path, settings)
    assert doc.metadata.pages and doc.metadata.pages >= 3
    assert "Báo cáo KT-XH năm 2023" not in doc.text
    assert para in doc.text.split("\n")  # the paragraph flows over the page breaks, unbroken
    assert not any(line.strip().isdigit() for line in doc.text.split("\n"))
    pages = [c.page or 0 for c in doc.chunks]
    assert pages == sorted(pages) and pages[0] == 1 and pages[-1] > 1
