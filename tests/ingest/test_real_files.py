"""Real administrative documents (tests/data/real, see SOURCES.md): metadata as the
letterhead gives it, table rows as passages, scans read by OCR, OCR character accuracy
on pages rendered from real text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from baocao.settings import Settings
from baocao.vntext import match_key
from ingest import ocr
from ingest.models import ParsedDocument
from ingest.ocr_accuracy import image_only_pdf, page_accuracy
from ingest.pipeline import parse_file

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
EXPECTED: dict[str, dict[str, object]] = {
    k: v for k, v in json.loads((REAL / "expected.json").read_text("utf-8")).items() if not k.startswith("_")
}
TEXT_FILES = [k for k, v in EXPECTED.items() if not v["ocr"]]
SCANS = [k for k, v in EXPECTED.items() if v["ocr"]]
FIELDS = ("issuer", "issuer_parent", "area_level", "ward", "ward_kind", "doc_type")

needs_ocr = pytest.mark.skipif(
    not ocr.available(), reason="tesseract-ocr + tesseract-ocr-vie: run `make ocr`"
)


def _parse(name: str, settings: Settings) -> ParsedDocument:
    ward = EXPECTED[name].get("ward_option")
    return parse_file(REAL / name, settings, ward=str(ward) if ward else None)


def _same(a: object, b: object) -> bool:
    return match_key(str(a)) == match_key(str(b))


@pytest.mark.unit
@pytest.mark.parametrize("name", TEXT_FILES)
def test_text_files_metadata(name: str, settings: Settings) -> None:
    doc = _parse(name, settings)
    m, exp = doc.metadata.model_dump(), EXPECTED[name]
    for f in (*FIELDS, "doc_number", "date"):
        assert _same(m[f], exp[f]), f"{name}: {f} = {m[f]!r}, expected {exp[f]!r}"
    if exp.get("signer"):
        assert m["signer"] == exp["signer"]
    assert doc.ocr_page_numbers == [] and m["ocr_pages"] == 0


@pytest.mark.unit
def test_table_rows_are_passages_with_headers_and_pages(settings: Settings) -> None:
    doc = _parse("ubnd_tinh_danh_muc_cong_viec_2026.pdf", settings)
    rows = [c for c in doc.chunks if "Hệ số quy đổi:" in c.text]
    assert len(rows) >= 20
    row = next(c for c in rows if "CH.VT.05" in c.text)
    assert "Nhiệm vụ: Thu thập, chỉnh lý tài liệu cơ quan" in row.text
    assert "Khung điểm tối đa: 200 | Chấm điểm: 50,0 | Hệ số quy đổi: 10" in row.text
    assert row.page == 1
    assert {c.page for c in rows} == {1, 2, 3}  # the header carried onto later pages
    assert all("Mã: " in c.text for c in rows)


@pytest.mark.unit
def test_docx_letterhead_table_is_metadata_not_a_table(settings: Settings) -> None:
    doc = _parse("ubnd_tt_ngai_giao_qd_2024.docx", settings)
    assert not any("CỘNG HOÀ" in c.text or "Số: /QĐ-UBND" in c.text for c in doc.chunks)
    assert doc.chunks[-1].text == "CHỦ TỊCH\nNguyễn Xuân Quang"


@pytest.mark.integration
@needs_ocr
@pytest.mark.parametrize("name", SCANS)
def test_scans_metadata(name: str, settings: Settings) -> None:
    doc = _parse(name, settings)
    m, exp = doc.metadata.model_dump(), EXPECTED[name]
    assert doc.ocr_page_numbers == [1, 2] and m["ocr_pages"] == 2
    assert all(c.ocr for c in doc.chunks)
    for f in FIELDS:
        assert _same(m[f], exp[f]), f"{name}: {f} = {m[f]!r}, expected {exp[f]!r}"
    # handwritten numbers and days: never a wrong date; the printed code of the number is read
    assert m["date"] in ("", exp["date_written"])
    code = str(exp["doc_number_written"]).split("/", 1)[1]
    assert m["doc_number"] == "" or m["doc_number"].endswith("/" + code)


@pytest.mark.integration
@needs_ocr
def test_image_only_pdf_of_real_text(tmp_path: Path, settings: Settings) -> None:
    """A real commune decision rendered to images (no text layer) reads like the original."""
    src = REAL / "ubnd_tt_ngai_giao_qd_2024.pdf"
    scan = tmp_path / "ngai_giao_scan.pdf"
    scan.write_bytes(image_only_pdf(src.read_bytes(), dpi=200))
    doc = parse_file(scan, settings)
    m = doc.metadata
    assert doc.ocr_page_numbers == [1, 2]
    assert (m.issuer, m.ward, m.ward_kind, m.doc_type, m.date) == (
        "Ủy ban nhân dân thị trấn Ngãi Giao",
        "Ngãi Giao",
        "thị trấn",
        "Quyết định",
        "2024-03-29",
    )
    text = match_key(doc.text)
    for fig in ("53/2023/QĐ-UBND", "17/11/2023", "658/QĐ-UBND", "220/QĐ-UBND", "Nguyễn Văn Sang"):
        assert match_key(fig) in text, fig


@pytest.mark.integration
@needs_ocr
def test_ocr_character_accuracy_on_rendered_real_pages() -> None:
    acc = page_accuracy((REAL / "ubnd_tt_ngai_giao_qd_2024.pdf").read_bytes(), dpi=200)
    assert len(acc) == 2
    assert min(acc) >= 0.95, acc
