"""Build small real PDF/DOCX files for tests (fpdf2, python-docx, pypdf)."""

from __future__ import annotations

import io
from pathlib import Path

HEADER = ["UBND PHƯỜNG HỘI PHÚ", "Số: 12/BC-UBND", "Hội Phú, ngày 5 tháng 12 năm 2023"]
TITLE = ["BÁO CÁO", "Tình hình kinh tế - xã hội năm 2023"]
H1 = "I. PHÁT TRIỂN KINH TẾ"
P1 = (
    "Tổng thu ngân sách phường ước đạt 12.345.678 đồng, đạt 104,4% kế hoạch năm. "
    "Công tác quản lý chi ngân sách được chú trọng, bảo đảm chi đúng, đủ, kịp thời và đáp ứng "
    "các nhiệm vụ chính trị của phường trong năm."
)
TABLE = [
    ("Chỉ tiêu", "Kế hoạch", "Thực hiện"),
    ("Thu ngân sách", "10 tỷ", "12 tỷ"),
    ("Hộ nghèo", "5 hộ", "4 hộ"),
]
H2 = "II. VĂN HÓA - XÃ HỘI"
P2 = "Tỷ lệ gia đình văn hóa đạt 96,9%; duy trì 04 trường đạt chuẩn quốc gia, học sinh đỗ tốt nghiệp 100%."
SIGN = ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn Ánh"]


def make_pdf(path: Path, fonts: tuple[Path, Path], fake_bold: bool = True) -> Path:
    from fpdf import FPDF

    regular, bold = fonts
    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 12)
    for line in HEADER[:1]:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    for line in HEADER[1:]:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 13)
    for line in TITLE:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, H1, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, P1, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    with pdf.table() as table:
        for row in TABLE:
            r = table.row()
            for cell in row:
                r.cell(cell)
    pdf.add_page()
    x, y = pdf.get_x(), pdf.get_y()
    if fake_bold:  # "fake bold": the same text drawn twice, slightly shifted
        pdf.set_font("DejaVu", "", 12)
        pdf.text(x, y + 5, H2)
        pdf.text(x + 0.3, y + 5, H2)
    else:
        pdf.set_font("DejaVu", "B", 12)
        pdf.text(x, y + 5, H2)
    pdf.set_y(y + 10)
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, P2, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    for line in SIGN:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def make_scanned_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(200, 200, 200)
    pdf.rect(20, 20, 170, 250, style="F")
    pdf.output(str(path))
    return path


def make_encrypted_pdf(src: Path, path: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(src)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="bimat", owner_password="chu")
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def make_docx(path: Path) -> Path:
    from docx import Document

    doc = Document()
    for line in HEADER:
        doc.add_paragraph(line)
    for line in TITLE:
        p = doc.add_paragraph()
        p.add_run(line).bold = True
    p = doc.add_paragraph()
    p.add_run(H1).bold = True
    doc.add_paragraph(P1)
    table = doc.add_table(rows=len(TABLE), cols=3)
    for i, row in enumerate(TABLE):
        for j, cell in enumerate(row):
            table.cell(i, j).text = cell
    doc.add_heading("Văn hóa - xã hội", level=2)
    doc.add_paragraph(P2)
    for line in SIGN:
        doc.add_paragraph(line)
    doc.save(str(path))
    return path


def zip_of_something_else() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "không phải docx")
    return buf.getvalue()


def make_long_pdf(path: Path, fonts: tuple[Path, Path], pages: int = 3) -> tuple[Path, str]:
    """A multi-page report with a running header and page-number footer; one paragraph
    flows over the page breaks. Returns (path, the paragraph)."""
    from fpdf import FPDF

    regular, bold = fonts

    class Doc(FPDF):
        def header(self) -> None:
            self.set_font("DejaVu", "", 9)
            self.cell(0, 6, "UBND phường Hội Phú - Báo cáo KT-XH năm 2023", new_x="LMARGIN", new_y="NEXT")

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("DejaVu", "", 9)
            self.cell(0, 6, str(self.page_no()), align="C")

    pdf = Doc()
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, "UBND PHƯỜNG HỘI PHÚ", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, "I. KẾT QUẢ THỰC HIỆN", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    sentence = "Ủy ban nhân dân phường tiếp tục chỉ đạo thực hiện tốt công tác thu ngân sách và quản lý đô thị trên địa bàn"
    para = "; ".join(f"{sentence} đợt {i}" for i in range(1, 25 * pages)) + "."
    pdf.multi_cell(0, 6, para, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path, para
