"""Word footnotes (word/footnotes.xml) come back right after the paragraph that cites them."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from baocao.settings import Settings
from ingest.pipeline import parse_file

pytestmark = pytest.mark.unit

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NOTE = "Theo Nghị quyết số 05/NQ-HĐND ngày 10/7/2025 của HĐND phường."
FOOTNOTES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{W}">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
    "</w:footnote>"
    f'<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {NOTE}</w:t>'
    "</w:r></w:p></w:footnote></w:footnotes>"
)


def _with_footnote(path: Path) -> Path:
    from docx import Document

    doc = Document()
    doc.add_paragraph("ỦY BAN NHÂN DÂN")
    doc.add_paragraph("PHƯỜNG PHÚ THỦY")
    doc.add_paragraph("Số: 12/BC-UBND")
    doc.add_paragraph("Phú Thủy, ngày 15 tháng 7 năm 2025")
    doc.add_paragraph("BÁO CÁO").runs[0].bold = True
    doc.add_paragraph("I. KINH TẾ").runs[0].bold = True
    doc.add_paragraph("Tổng thu ngân sách phường ước đạt 12.345 triệu đồng, đạt 104,4% dự toán.")
    doc.add_paragraph("Chi ngân sách bảo đảm đúng dự toán được giao trong năm.")
    raw = path.with_suffix(".raw.docx")
    doc.save(raw)
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                ref = '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteReference w:id="1"/></w:r>'
                data = re.sub(
                    rb"(104,4% d\xe1\xbb\xb1 to\xc3\xa1n\.</w:t></w:r>)", rb"\1" + ref.encode(), data, count=1
                )
            elif item.filename == "word/_rels/document.xml.rels":
                rel = (
                    '<Relationship Id="rIdFn1" Target="footnotes.xml" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/footnotes"/></Relationships>'
                )
                data = data.replace(b"</Relationships>", rel.encode())
            elif item.filename == "[Content_Types].xml":
                ct = (
                    '<Override PartName="/word/footnotes.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>'
                )
                data = data.replace(b"</Types>", ct.encode())
            zout.writestr(item, data)
        zout.writestr("word/footnotes.xml", FOOTNOTES)
    return path


def test_footnote_follows_the_paragraph_that_cites_it(tmp_path: Path, settings: Settings) -> None:
    doc = parse_file(_with_footnote(tmp_path / "fn.docx"), settings)
    lines = doc.text.split("\n")
    i = lines.index("Tổng thu ngân sách phường ước đạt 12.345 triệu đồng, đạt 104,4% dự toán.(1)")
    assert lines[i + 1] == f"Chú thích (1): {NOTE}"
    chunk = next(c for c in doc.chunks if "104,4%" in c.text)
    assert f"Chú thích (1): {NOTE}" in chunk.text
    assert (doc.metadata.ward, doc.metadata.ward_kind, doc.metadata.doc_number) == (
        "Phú Thủy",
        "phường",
        "12/BC-UBND",
    )
