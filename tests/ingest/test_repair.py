"""Line-level repair: noise, letterhead, joining hard-wrapped lines, page-break joins."""

from __future__ import annotations

import pytest

from ingest.loaders import load_text
from ingest.rawdoc import Line
from ingest.repair import build_blocks, clean_lines

pytestmark = pytest.mark.unit


def _blocks(text: str) -> list[str]:
    raw = load_text(text, "x.txt")
    lines = clean_lines(raw.lines, raw.pdf_like, paged=False)
    return [b.text for b in build_blocks(lines, raw.pdf_like)]


WRAPPED = """UỶ BAN NHÂN DÂN CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM
PHƯỜNG NGÔ QUYỀN Độc lập - Tự do - Hạnh phúc
––––––––––– –––––––––––
Số: 137/BC-UBND Phường Ngô Quyền, ngày 30 tháng 11 năm 2023
I. PHÁT TRIỂN KINH TẾ
1. Thương mại và dịch vụ:
Giá trị sản xuất thương mại dịch vụ ước tổng doanh thu đạt gần 7,6 tỷ đồng đạt
100% so với kế hoạch năm, đạt 95% so với cùng kỳ năm 2022, duy trì sắp xếp hoạt
động thương mại dịch vụ bảo đảm trật tự đô thị và vệ sinh an toàn thực phẩm.
2
http://qlvbtp.bacgiang.gov.vn/thanhpho/vbdi.nsf/str/AA36164?OpenDocument
2. Công tác tài chính ngân hàng
Thực hiện nhiều biện pháp tích cực trong công tác thu ngân sách, tổng thu ngân
sách phường ước đạt 17.384.571.763 đồng đạt 104,4% so với kế hoạch năm và đạt
92,5% so với cùng kỳ năm 2022.
"""


def test_hard_wrapped_text_is_joined_and_cleaned() -> None:
    blocks = _blocks(WRAPPED)
    assert blocks[:6] == [
        "UỶ BAN NHÂN DÂN",
        "PHƯỜNG NGÔ QUYỀN",
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 137/BC-UBND",
        "Phường Ngô Quyền, ngày 30 tháng 11 năm 2023",
    ]
    assert "I. PHÁT TRIỂN KINH TẾ" in blocks
    assert "1. Thương mại và dịch vụ:" in blocks
    assert (
        "Giá trị sản xuất thương mại dịch vụ ước tổng doanh thu đạt gần 7,6 tỷ đồng đạt 100% so với kế hoạch "
        "năm, đạt 95% so với cùng kỳ năm 2022, duy trì sắp xếp hoạt động thương mại dịch vụ bảo đảm trật tự "
        "đô thị và vệ sinh an toàn thực phẩm."
    ) in blocks
    assert "2. Công tác tài chính ngân hàng" in blocks
    assert not any(b.startswith("http") or b == "2" or b.startswith("–") for b in blocks)
    assert blocks[-1].endswith("đạt 92,5% so với cùng kỳ năm 2022.")


def test_a_line_wrapped_after_a_compound_hyphen_is_joined_without_a_space() -> None:
    text = (
        "UBND phường đã ban hành Quyết định thành lập Ban Chỉ đạo thực hiện Chỉ thị số 17-\n"
        "CT/TU ngày 27/02/2020 của Tỉnh ủy và chỉ đạo các trường thực hiện kế hoạch năm học 2022-\n"
        "2023 của ngành giáo dục trên địa bàn phường, bảo đảm đúng tiến độ công việc đề ra -\n"
        "tổng kết vào cuối năm học theo hướng dẫn của cấp trên và báo cáo kết quả đúng hạn.\n"
    )
    raw = load_text(text, "x.pdf")
    lines = [Line(text=ln.text, page=1) for ln in raw.lines]
    joined = build_blocks(clean_lines(lines, True, paged=True), True)[0].text
    assert "Chỉ thị số 17-CT/TU ngày" in joined and "năm học 2022-2023 của" in joined
    assert "công việc đề ra - tổng kết" in joined  # a spaced dash is a dash, not a wrapped compound


def test_an_uppercase_heading_wrapped_before_its_year_is_one_line_in_a_pdf() -> None:
    lines = [
        Line(text="Phần thứ nhất", page=1, bold=True),
        Line(text="TÌNH HÌNH THỰC HIỆN KẾ HOẠCH PHÁT TRIỂN KT-XH", page=1, bold=True),
        Line(text="NĂM 2023", page=1, bold=True),
        Line(text="I. VỀ PHÁT TRIỂN KINH TẾ", page=1, bold=True),
    ]
    blocks = [b.text for b in build_blocks(lines, True)]
    assert blocks == [
        "Phần thứ nhất",
        "TÌNH HÌNH THỰC HIỆN KẾ HOẠCH PHÁT TRIỂN KT-XH NĂM 2023",
        "I. VỀ PHÁT TRIỂN KINH TẾ",
    ]


def test_uppercase_heading_over_two_lines_is_one_heading() -> None:
    text = (
        "Phần thứ nhất\nTÌNH HÌNH, KẾT QUẢ THỰC HIỆN NHIỆM VỤ KT-XH\nVÀ SỰ CHỈ ĐẠO ĐIỀU HÀNH NĂM 2023\n"
        + "Năm 2023 trong bối cảnh tình hình kinh tế, xã hội có những thuận lợi và\nkhó khăn, thách thức đan xen.\n"
        * 6
    )
    blocks = _blocks(text)
    assert blocks[0] == "Phần thứ nhất"
    assert blocks[1] == "TÌNH HÌNH, KẾT QUẢ THỰC HIỆN NHIỆM VỤ KT-XH VÀ SỰ CHỈ ĐẠO ĐIỀU HÀNH NĂM 2023"


def test_markdown_paragraph_split_by_page_break_is_rejoined() -> None:
    text = (
        "**I. KINH TẾ**\n\nHoàn thiện hồ sơ cho 09 trường\n\n<sup>(1)</sup> Diện tích đất trồng lúa 28ha.\n\n"
        "hợp đăng ký kê khai lần đầu<sup>(1)</sup>.\n\nĐoạn mới bắt đầu ở đây.\n"
    )
    from ingest import footnotes

    raw = load_text(text, "x.md", fmt="md")
    lines = clean_lines(raw.lines, raw.pdf_like, paged=False)
    lines, notes = footnotes.extract(lines, raw.pdf_like)
    blocks = build_blocks(lines, raw.pdf_like)
    footnotes.attach(blocks, notes)
    texts = [footnotes.strip_markers(b.text) for b in blocks]
    assert texts == [
        "I. KINH TẾ",
        "Hoàn thiện hồ sơ cho 09 trường hợp đăng ký kê khai lần đầu(1).",
        "Đoạn mới bắt đầu ở đây.",
    ]
    assert blocks[1].notes == [("1", "Diện tích đất trồng lúa 28ha.")]
    assert blocks[0].bold


def test_plain_footnotes_in_pdf_like_text() -> None:
    lines = [
        Line(
            "Tổng diện tích đất nông nghiệp thuộc quỹ đất công ích 5,89ha(2). Hoàn thiện hồ sơ cho 09 trường",
            page=1,
        ),
        Line("(2) Ký hợp đồng cho thuê thầu 37 trường hợp.", page=1),
        Line("hợp đăng ký kê khai cấp giấy lần đầu, chuyển mục đích sử dụng đất cho các hộ.", page=2),
    ]
    from ingest import footnotes

    out, notes = footnotes.extract(lines, pdf_like=True)
    assert notes == {"2": "Ký hợp đồng cho thuê thầu 37 trường hợp."}
    blocks = build_blocks(out, pdf_like=True)
    footnotes.attach(blocks, notes)
    assert len(blocks) == 1
    assert "09 trường hợp đăng ký" in blocks[0].text
    assert blocks[0].notes == [("2", "Ký hợp đồng cho thuê thầu 37 trường hợp.")]
