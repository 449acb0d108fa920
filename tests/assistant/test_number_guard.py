"""Unit tests for the number guard (Vietnamese number formats, clause-local citations)."""

from __future__ import annotations

import pytest

from assistant.number_guard import check_numbers, extract_numbers, normalise_number

pytestmark = pytest.mark.unit

BUDGET = "Tổng thu ngân sách phường ước đạt 17.384.571.763 đồng, đạt 104,4% so với kế hoạch năm."
SPENDING = "Tổng chi ngân sách ước đạt 12.500.000.000 đồng, bằng 95,2% dự toán; giải ngân 20,6 tỷ đồng."
HEADER = "Văn bản: Báo cáo số 137/BC-UBND ngày 30/11/2023\n"


# -- extract_numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("không có số nào", []),
        ("17.384.571.763 đồng", ["17.384.571.763"]),
        ("đạt 104,4% kế hoạch", ["104,4%"]),
        ("đạt 104,4 % kế hoạch", ["104,4 %"]),
        ("giải ngân 20,6 tỷ đồng", ["20,6"]),
        ("trong năm 2023.", ["2023"]),
        ("tháng 09 năm 2023", ["09", "2023"]),
        ("giảm 1/2 so với", ["1/2"]),
        ("ngày 30/11/2023, UBND", ["30/11/2023"]),
        ("Báo cáo số 137/BC-UBND", ["137"]),
        ("giai đoạn 2021-2025", ["2021", "2025"]),
        ("1.234,5 ha và 3,5 ha", ["1.234,5", "3,5"]),
        ("năm 2023, 2024 và 2025", ["2023", "2024", "2025"]),
        ("đạt 100%.", ["100%"]),
        ("1,234,567 USD", ["1,234,567"]),
    ],
)
def test_extract_numbers(text: str, expected: list[str]) -> None:
    assert extract_numbers(text) == expected


@pytest.mark.parametrize(
    "text",
    ["[1]", "Thu đạt kế hoạch [1].", "theo [1][2]", "theo [1, 2]", "theo [ 3 ]", "[1]; [12]"],
)
def test_markers_are_not_numbers(text: str) -> None:
    assert extract_numbers(text) == []


def test_markers_next_to_numbers() -> None:
    assert extract_numbers("đạt 104,4%[1] và 5[2].") == ["104,4%", "5"]
    assert extract_numbers("năm 2023 [1][2]") == ["2023"]


def test_duplicates_kept_in_order() -> None:
    assert extract_numbers("5 xã, 3 phường, 5 xã") == ["5", "3", "5"]


# -- normalise_number -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("17.384.571.763", "17384571763"),
        ("104,4", "104.4"),
        ("104,4%", "104,4"),
        ("104,4 %", "104.4"),
        ("09", "9"),
        ("2.000", "2000"),
        ("1,234,567", "1.234.567"),
        ("12.345,67", "12,345.67"),
        ("104,40", "104,4"),
        ("30/11/2023", "30/11/2023"),
        ("01/02/2024", "1/2/2024"),
        ("1,500", "1500"),
        ("1,500", "1,5"),
    ],
)
def test_equal_after_normalisation(a: str, b: str) -> None:
    assert normalise_number(a) & normalise_number(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("104,4", "1044"),
        ("104.4", "1044"),
        ("2.000", "2"),
        ("17.384.571.763", "17.384.571.764"),
        ("30/11/2023", "30/11/2024"),
        ("1/2", "2/1"),
        ("20,6", "20,06"),
    ],
)
def test_different_after_normalisation(a: str, b: str) -> None:
    assert not normalise_number(a) & normalise_number(b)


def test_unreadable_number_only_matches_itself() -> None:
    assert normalise_number("1.2.3") == normalise_number("1.2.3")
    assert not normalise_number("1.2.3") & normalise_number("123")


# -- check_numbers --------------------------------------------------------------------------


def test_empty_answer_and_no_passages() -> None:
    assert check_numbers("", {}) == []
    assert check_numbers("", {1: BUDGET}) == []
    assert check_numbers("Thu ngân sách đạt kế hoạch [1].", {1: BUDGET}) == []


def test_no_passages_every_number_unsupported() -> None:
    assert check_numbers("Thu đạt 17.384.571.763 đồng.", {}) == ["17.384.571.763"]


def test_exact_copy_supported() -> None:
    answer = "Tổng thu ngân sách ước đạt 17.384.571.763 đồng, đạt 104,4% kế hoạch [1]."
    assert check_numbers(answer, {1: BUDGET}) == []


def test_reformatted_numbers_supported() -> None:
    answer = "Thu ngân sách đạt 17384571763 đồng (104.4 %) [1]."
    assert check_numbers(answer, {1: BUDGET}) == []


def test_invented_number_reported_as_written() -> None:
    answer = "Thu ngân sách đạt 17.384.571.763 đồng, đạt 123% và tăng 4,5% [1]."
    assert check_numbers(answer, {1: BUDGET}) == ["123%", "4,5%"]


def test_unsupported_reported_once() -> None:
    answer = "Đạt 99% [1]. Lại là 99% [1]."
    assert check_numbers(answer, {1: BUDGET}) == ["99%"]


def test_number_must_come_from_passage_cited_in_same_clause() -> None:
    # 12.500.000.000 is in passage 2 but the clause cites only [1]
    answer = "Thu đạt 17.384.571.763 đồng [1], chi 12.500.000.000 đồng [1]."
    assert check_numbers(answer, {1: BUDGET, 2: SPENDING}) == ["12.500.000.000"]
    ok = "Thu đạt 17.384.571.763 đồng [1], chi 12.500.000.000 đồng [2]."
    assert check_numbers(ok, {1: BUDGET, 2: SPENDING}) == []


def test_marker_group_cites_all_its_passages() -> None:
    answer = "Thu đạt 17.384.571.763 đồng, chi 12.500.000.000 đồng [1][2]."
    assert check_numbers(answer, {1: BUDGET, 2: SPENDING}) == []
    assert check_numbers(answer.replace("[1][2]", "[1, 2]"), {1: BUDGET, 2: SPENDING}) == []
    assert check_numbers(answer.replace("[1][2]", "[1], [2]"), {1: BUDGET, 2: SPENDING}) == []


def test_number_must_come_from_passage_cited_in_same_sentence() -> None:
    answer = "Thu đạt 104,4% kế hoạch [1]. Chi bằng 104,4% dự toán [2]."
    assert check_numbers(answer, {1: BUDGET, 2: SPENDING}) == ["104,4%"]


def test_text_after_last_marker_uses_sentence_citations() -> None:
    answer = "Thu đạt 17.384.571.763 đồng [1] và bằng 104,4% kế hoạch."
    assert check_numbers(answer, {1: BUDGET, 2: SPENDING}) == []
    answer = "Thu đạt 17.384.571.763 đồng [1] và chi 95,2% dự toán."
    assert check_numbers(answer, {1: BUDGET, 2: SPENDING}) == ["95,2%"]


def test_sentence_without_marker_uses_any_cited_passage() -> None:
    answer = "Chi bằng 95,2% dự toán. Thu đạt 104,4% [1]."
    assert check_numbers(answer, {1: BUDGET, 2: SPENDING}) == []
    assert check_numbers("Chi bằng 96% dự toán. Thu đạt 104,4% [1].", {1: BUDGET, 2: SPENDING}) == ["96%"]


def test_marker_after_full_stop_belongs_to_previous_sentence() -> None:
    answer = "Chi bằng 95,2% dự toán. [2] Thu đạt 104,4%. [1]"
    assert check_numbers(answer, {1: BUDGET, 2: SPENDING}) == []
    wrong = "Chi bằng 95,2% dự toán. [1] Thu đạt 104,4%. [1]"
    assert check_numbers(wrong, {1: BUDGET, 2: SPENDING}) == ["95,2%"]


def test_lines_are_sentences() -> None:
    answer = "- Thu: 17.384.571.763 đồng [1]\n- Chi: 12.500.000.000 đồng [2]"
    assert check_numbers(answer, {1: BUDGET, 2: SPENDING}) == []
    swapped = "- Thu: 17.384.571.763 đồng [2]\n- Chi: 12.500.000.000 đồng [1]"
    assert check_numbers(swapped, {1: BUDGET, 2: SPENDING}) == ["17.384.571.763", "12.500.000.000"]


def test_unknown_marker_supports_nothing() -> None:
    assert check_numbers("Thu đạt 104,4% [7].", {1: BUDGET}) == ["104,4%"]


def test_decimal_point_inside_number_does_not_split_sentences() -> None:
    answer = "Thu đạt 17.384.571.763 đồng. Tỷ lệ 104,4% [1]."
    # first sentence has no marker -> any cited passage; second cites [1]
    assert check_numbers(answer, {1: BUDGET}) == []


def test_dates_and_their_parts_from_header() -> None:
    passage = HEADER + BUDGET
    assert check_numbers("Theo báo cáo ngày 30/11/2023, thu đạt 104,4% [1].", {1: passage}) == []
    assert check_numbers("Năm 2023 thu đạt 104,4% [1].", {1: passage}) == []
    assert check_numbers("Báo cáo số 137 [1].", {1: passage}) == []
    assert check_numbers("Ngày 01/12/2023 thu đạt 104,4% [1].", {1: passage}) == ["01/12/2023"]


def test_scale_word_numbers() -> None:
    assert check_numbers("Giải ngân 20,6 tỷ đồng [1].", {1: SPENDING}) == []
    assert check_numbers("Giải ngân 20,7 tỷ đồng [1].", {1: SPENDING}) == ["20,7"]


def test_leading_zero_and_small_numbers() -> None:
    passage = "Trong tháng 9 có 3 tổ dân phố hoàn thành."
    assert check_numbers("Tháng 09 có 3 tổ dân phố [1].", {1: passage}) == []
    assert check_numbers("Tháng 10 có 3 tổ dân phố [1].", {1: passage}) == ["10"]
