"""The assistant over the real sample reports (real embedding model, real Chroma, BM25).

Every figure asserted here is written exactly as the reports write it; a passing
answer must also cite a passage that holds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from baocao.vntext import match_key

if TYPE_CHECKING:
    from assistant.service import Assistant

pytestmark = [pytest.mark.integration, pytest.mark.slow]

XG, NQ = "Xương Giang", "Ngô Quyền"


@pytest.fixture(scope="module")
def assistant(sample_index) -> Assistant:  # type: ignore[no-untyped-def]
    from assistant.service import Assistant

    settings, index = sample_index
    return Assistant(settings, index=index, use_llm=False)


ANSWERS = [
    # (question, history, ward of every citation, figures as written)
    ("Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?", [], XG, ["15.300.000.000", "268,43%"]),
    ("Tổng thu ngân sách phường Ngô Quyền năm 2023?", [], NQ, ["17.384.571.763", "104,4%"]),
    ("thu ngan sach phuong ngo quyen nam 2023 dat bao nhieu", [], NQ, ["17.384.571.763"]),
    ("Tổng chi ngân sách phường Ngô Quyền năm 2023?", [], NQ, ["11.000.000.000", "194,3%"]),
    ("Trường Tiểu học Ngô Sỹ Liên có bao nhiêu học sinh?", [], NQ, ["1798"]),
    ("Trường THCS Ngô Sĩ Liên có bao nhiêu lớp và học sinh?", [], NQ, ["37 lớp", "1536"]),
    ("Diện tích đất trồng lúa phường Xương Giang là bao nhiêu?", [], XG, ["28ha"]),
    ("Xương Giang chuẩn bị vật tư, lương thực gì cho PCTT-TKCN năm 2023?", [], XG, ["Bao tải 400 chiếc"]),
    ("Tỷ lệ hộ nghèo phường Xương Giang năm 2023?", [], XG, ["0,14%"]),
    ("Chỉ tiêu tăng trưởng TMDV năm 2024 của phường Xương Giang?", [], XG, ["23,5 - 24%"]),
    ("Chủ tịch UBND phường Ngô Quyền ký báo cáo là ai?", [], NQ, ["Vũ Trí Khánh"]),
    # "năm nay" is the report's year (results), "năm tới" its plan year (targets)
    ("Năm nay tỷ lệ hộ nghèo của phường Xương Giang là bao nhiêu?", [], XG, ["0,14%"]),
    ("Tỷ lệ hộ nghèo năm tới của phường Xương Giang là bao nhiêu?", [], XG, ["dưới 0,15%"]),
    # a ward named by its initials, as officials shorten it
    ("XG thu ngân sách năm 2023 ước đạt bao nhiêu?", [], XG, ["15.300.000.000"]),
    ("Còn NQ thì sao?", ["XG thu ngân sách năm 2023 ước đạt bao nhiêu?"], NQ, ["17.384.571.763"]),
    # follow-ups: the ward / entity swaps, the topic is carried
    (
        "Còn phường Ngô Quyền thì sao?",
        ["Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?"],
        NQ,
        ["17.384.571.763"],
    ),
    (
        "Thế còn chi ngân sách?",
        ["Thu ngân sách phường Ngô Quyền năm 2023 là bao nhiêu?"],
        NQ,
        ["11.000.000.000"],
    ),
    # typed without diacritics after an accented question: restored before it is rewritten
    (
        "the con chi ngan sach",
        ["Thu ngân sách phường Ngô Quyền năm 2023 là bao nhiêu?"],
        NQ,
        ["11.000.000.000"],
    ),
]


REFUSED = [
    "Thu ngân sách phường Hoàng Văn Thụ năm 2023?",
    "so ho ngheo phuong dinh ke nam 2023",
    "Thu ngân sách phường Xương Giang năm 2019?",
    "Trường Mầm non Bình Minh có bao nhiêu giáo viên?",
    "Tỷ lệ hộ nghèo của phường Ngô Quyền năm 2023 là bao nhiêu?",
    "Trạm y tế phường Ngô Quyền có bao nhiêu bác sĩ?",
    "Năm 2023 phường Xương Giang có bao nhiêu ca mắc Covid-19?",
    "Trên địa bàn phường Ngô Quyền có bao nhiêu doanh nghiệp đang hoạt động?",
    "Xã Đức Giang có bao nhiêu hộ nghèo?",
    "Kết quả thu ngân sách năm 2021 của phường Ngô Quyền?",
]


# The answerer is a fitted model (assistant/data/ranker.json): single questions may flip when
# it is refitted, so these sample questions are held to a floor, with every miss listed, and
# the held-out sets (tests/eval/test_gate.py) carry the real regression gate.
MIN_ANSWERED = 9  # of 13 (measured 2026-12-01: 10)
MIN_REFUSED = 8  # of 10 (measured 2026-12-01: 9)


def test_answers_hold_the_figures_and_cite_them(assistant: Assistant) -> None:
    misses: list[str] = []
    for question, history, ward, figures in ANSWERS:
        rec = assistant.ask(question, history)
        answer = match_key(rec.answer)
        if rec.refused or not all(match_key(f) in answer for f in figures):
            misses.append(f"{question!r}: {'refused' if rec.refused else rec.answer[:160]!r}")
            continue
        for fig in figures:  # an answer that gives the figure cites a passage holding it
            assert any(match_key(fig) in match_key(c.text) for c in rec.citations), f"{fig!r} not cited"
        assert rec.citations and all(c.ward == ward for c in rec.citations)
        assert "[1]" in rec.answer
    assert len(ANSWERS) - len(misses) >= MIN_ANSWERED, "\n".join(misses)


def test_questions_the_reports_cannot_answer_are_refused(assistant: Assistant) -> None:
    answered: list[str] = []
    for question in REFUSED:
        rec = assistant.ask(question)
        if not rec.refused:
            answered.append(f"{question!r}: {rec.answer[:160]!r}")
            continue
        assert not rec.citations, "a refusal cites nothing as an answer"
        assert "không" in rec.answer.lower()
        assert XG in rec.answer and NQ in rec.answer, "the refusal says what the index covers"
    assert len(REFUSED) - len(answered) >= MIN_REFUSED, "\n".join(answered)


def test_comparison_lays_both_wards_side_by_side(assistant: Assistant) -> None:
    rec = assistant.ask("So sánh thu ngân sách năm 2023 của hai phường Xương Giang và Ngô Quyền")
    assert rec.mode == "comparison" and not rec.refused
    assert "15.300.000.000" in rec.answer and "17.384.571.763" in rec.answer
    assert {r["ward"] for r in rec.comparison} == {XG, NQ}
    assert "| Địa bàn |" in rec.answer
    assert {c.ward for c in rec.citations} == {XG, NQ}


def test_comparison_says_which_ward_lacks_the_figure(assistant: Assistant) -> None:
    rec = assistant.ask("Phường nào có tỷ lệ hộ nghèo thấp hơn, Xương Giang hay Ngô Quyền?")
    assert rec.mode == "comparison"
    assert "0,14%" in rec.answer or "0,15%" in rec.answer
    assert f"{NQ} không nêu" in rec.answer


def test_ward_named_in_question_filters_retrieval(assistant: Assistant) -> None:
    rec = assistant.ask("Kết quả công tác quân sự địa phương năm 2023 của phường Ngô Quyền?")
    assert rec.retrieved and all(p.ward == NQ for p in rec.retrieved)


def test_a_question_typed_without_diacritics_is_searched_as_the_reports_write_it(
    assistant: Assistant,
) -> None:
    restored = assistant.restore_diacritics("thu ngan sach phuong xuong giang nam 2023 dat bao nhieu")
    assert restored == "thu ngân sách phường xương giang năm 2023 đạt bao nhiêu"
    assert assistant.restore_diacritics("Thu ngân sách") == "Thu ngân sách"
    # the unaccented question finds what the accented one finds, about as surely (the refusal
    # threshold is the ranker's business, not the restorer's: compared at threshold 0)
    assistant.answer_threshold = 0.0
    try:
        plain = assistant.ask("truong tieu hoc ngo sy lien co bao nhieu hoc sinh", [])
        accented = assistant.ask("Trường tiểu học Ngô Sỹ Liên có bao nhiêu học sinh", [])
    finally:
        assistant.answer_threshold = None
    assert "1798" in plain.answer and plain.citations[0].quote == accented.citations[0].quote
    assert abs(plain.confidence - accented.confidence) < 0.05


def test_the_report_number_and_date_are_read_from_the_letterhead(assistant: Assistant) -> None:
    r = assistant.ask("Báo cáo năm 2023 của phường Ngô Quyền mang số hiệu gì?", [])
    assert not r.refused and "137/BC-UBND" in r.answer and "30 tháng 11 năm 2023" in r.answer
    assert [c.ward for c in r.citations] == ["Ngô Quyền"]
    assert "137/BC-UBND" in r.citations[0].document and r.citations[0].doc_number == "137/BC-UBND"
    when = assistant.ask("ke hoach cua phuong xuong giang ban hanh ngay nao", [])  # typed in haste
    assert not when.refused and "30 tháng 8 năm 2023" in when.answer
    assert "không ghi số hiệu" in when.answer  # "Số: /KH-UBND": the number was left blank
    # a number of a document the report cites goes the usual way, not to the letterhead
    cited = assistant.ask("Kế hoạch của Xương Giang căn cứ công văn số mấy của thành phố?", [])
    assert "không ghi số hiệu" not in cited.answer and "ban hành ngày" not in cited.answer


def test_who_signed_is_read_from_the_signature_block(assistant: Assistant) -> None:
    r = assistant.ask("Ai ký báo cáo của phường Ngô Quyền?", [])
    assert not r.refused and "Vũ Trí Khánh" in r.answer
    assert [c.ward for c in r.citations] == ["Ngô Quyền"] and "Vũ Trí Khánh" in r.citations[0].quote
    both = assistant.ask("Người ký các báo cáo là ai?", [])
    assert "Vũ Trí Khánh" in both.answer and "Hoàng Văn Vượng" in both.answer
    typed = assistant.ask("ai ky bao cao cua phuong ngo quyen", [])  # "ky" read as "ký", not "kỳ"
    assert not typed.refused and "Vũ Trí Khánh" in typed.answer
    # "đăng ký" is not a question about the signer
    r = assistant.ask("Ngô Quyền đăng ký khai sinh cho bao nhiêu trường hợp?", [])
    assert "234 trường hợp" in r.answer
