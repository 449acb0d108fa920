"""Which questions ask for the report's own number or date (answered from its letterhead)."""

from __future__ import annotations

import pytest

from assistant.document_facts import _spoken_date, asked_fact

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("Báo cáo của xã Tân Lập mang số hiệu gì?", "number"),
        ("Số hiệu văn bản là gì?", "number"),
        ("Kế hoạch này số mấy?", "number"),
        ("Kế hoạch năm 2025 của thị trấn ban hành ngày nào?", "date"),
        ("Văn bản này ký hôm nào?", "date"),
        ("Bản báo cáo đề ngày nào?", "date"),
        ("Tờ trình ra vào ngày nào vậy?", "date"),
        # a document the report cites, or no document at all: the usual way
        ("Kế hoạch làm theo công văn số mấy của huyện?", None),
        ("Báo cáo nêu quyết định số mấy về giải phóng mặt bằng?", None),
        ("Hội nghị tổng kết tổ chức ngày nào?", None),
        ("Báo cáo cho biết bao nhiêu hộ nghèo?", None),
        ("Báo cáo nêu số bao nhiêu hộ nghèo?", None),  # a count, not the report's number
        ("Kế hoạch có tổng số bao nhiêu?", None),
        ("Báo cáo số mấy, ngày nào?", "number"),
        ("Xã đăng ký khai sinh cho bao nhiêu trường hợp?", None),
    ],
)
def test_asked_fact(question: str, fact: str | None) -> None:
    assert asked_fact(question) == fact


def test_dates_are_said_as_the_letterhead_says_them() -> None:
    assert _spoken_date("2023-08-30") == "ngày 30 tháng 8 năm 2023 (30/08/2023)"
