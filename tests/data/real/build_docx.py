"""Rebuild ``ubnd_tt_ngai_giao_qd_2024.docx`` from the real text of the PDF beside it.

No real DOCX of a UBND/HĐND/sở was found in the public sources we could search, so this
file is the real decision's text laid out the way offices write it in Word: the
letterhead and the signature block in borderless two-column tables, the body as
paragraphs. Run from the repository root:

    .venv/bin/python tests/data/real/build_docx.py
"""

from __future__ import annotations

from pathlib import Path

from docx import Document

from baocao.settings import load_settings
from ingest.pipeline import parse_file

HERE = Path(__file__).parent
SRC = HERE / "ubnd_tt_ngai_giao_qd_2024.pdf"
OUT = HERE / "ubnd_tt_ngai_giao_qd_2024.docx"


def main() -> None:
    text = parse_file(SRC, load_settings(data_dir=HERE / ".tmp-data")).text.split("\n")
    body = text[text.index("QUYẾT ĐỊNH") :]
    end = next(i for i, t in enumerate(body) if t.startswith("Nơi nhận"))
    doc = Document()
    head = doc.add_table(rows=2, cols=2)
    head.cell(0, 0).text = "ỦY BAN NHÂN DÂN\nTHỊ TRẤN NGÃI GIAO"
    head.cell(0, 1).text = "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    head.cell(1, 0).text = "Số:       /QĐ-UBND"
    head.cell(1, 1).text = "Ngãi Giao, ngày 29 tháng 3 năm 2024"
    lines: list[str] = []
    for t in body[:end]:  # the PDF joined the decision's authority line to its subject
        lines.extend(t.replace(" CHỦ TỊCH UBND", "\nCHỦ TỊCH UBND").split("\n"))
    for t in lines:
        p = doc.add_paragraph()
        run = p.add_run(t)
        run.bold = t.isupper() or t.startswith(("QUYẾT ĐỊNH", "Điều "))
    sign = doc.add_table(rows=1, cols=2)
    sign.cell(0, 0).text = "\n".join(["Nơi nhận:", *body[end + 1 : -1]])
    sign.cell(0, 1).text = "CHỦ TỊCH\n\n\nNguyễn Xuân Quang"
    doc.save(OUT)


if __name__ == "__main__":
    main()
