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


class _Chunk:
    def __init__(self, doc_id: str) -> None:
        self.chunk_id = f"{doc_id}-0"
        self.text = "BÁO CÁO\nTình hình kinh tế - xã hội"
        self.metadata = {"doc_id": doc_id, "ward": "Tân Lập", "ward_kind": "xã", "section": ""}


class _Index:
    def chunk_at(self, doc_id: str, position: int) -> _Chunk:
        return _Chunk(doc_id)


def _doc(doc_id: str, doc_type: str, number: str, date: str):  # type: ignore[no-untyped-def]
    from ingest.models import DocumentMeta

    return DocumentMeta(
        doc_id=doc_id,
        ward="Tân Lập",
        ward_kind="xã",
        doc_type=doc_type,
        doc_number=number,
        date=date,
        source=f"{doc_id}.txt",
    )


def test_the_named_kind_of_document_is_answered() -> None:
    from assistant.document_facts import document_fact_answer

    docs = [_doc("bc", "Báo cáo", "12/BC-UBND", "2024-11-28"), _doc("kh", "Kế hoạch", "", "2024-12-05")]
    plan = document_fact_answer(_Index(), "Kế hoạch của xã ban hành ngày nào?", docs, "date")  # type: ignore[arg-type]
    assert plan is not None and "ngày 5 tháng 12 năm 2024" in plan.answer and "12/BC-UBND" not in plan.answer
    both = document_fact_answer(_Index(), "Văn bản số mấy?", docs, "number")  # type: ignore[arg-type]
    assert both is not None and "12/BC-UBND" in both.answer and "không ghi số hiệu" in both.answer
    assert document_fact_answer(_Index(), "Kế hoạch số mấy?", docs, "number") is None  # type: ignore[arg-type]
