"""A ward named by its initials ("XG năm nay thu bao nhiêu?", "ben nq"): the initials come
from the index's ward names, so any ward is read this way, and nothing else is."""

from __future__ import annotations

import pytest

from assistant.query import find_wards, spell_out_ward_initials, ward_initials

pytestmark = pytest.mark.unit

KNOWN = ["Xương Giang", "Ngô Quyền", "Đình Kế", "Hòa An", "Thọ Xương"]


@pytest.mark.parametrize(
    ("question", "ward"),
    [
        ("XG năm 2023 thu ngân sách được bao nhiêu?", "Xương Giang"),
        ("Bên NQ có mấy trường đạt chuẩn?", "Ngô Quyền"),
        ("So với P.DK thì sao?", "Đình Kế"),  # "Đ" folds to "D": typed without it
        ("ĐK có bao nhiêu hộ nghèo?", "Đình Kế"),
        ("ben xg nam nay co bao nhieu ho ngheo", "Xương Giang"),  # typed in haste
        ("HA thu ngân sách ra sao?", "Hòa An"),
    ],
)
def test_initials_name_the_ward(question: str, ward: str) -> None:
    assert find_wards(spell_out_ward_initials(question, KNOWN), KNOWN)[0] == [ward]


def test_both_wards_of_a_comparison() -> None:
    got = spell_out_ward_initials("So sánh thu ngân sách XG và NQ", KNOWN)
    assert sorted(find_wards(got, KNOWN)[0]) == ["Ngô Quyền", "Xương Giang"]


@pytest.mark.parametrize(
    "question",
    [
        "Nghị quyết 15/NQ-HĐND giao chỉ tiêu gì?",  # a document number
        "NQ số 12 của HĐND nói gì?",
        "NQ 12 giao chỉ tiêu gì?",
        "ha noi co bao nhieu ho ngheo",  # an unaccented syllable with a vowel is a word, not initials
        "Nq năm nay ra sao?",  # neither capitals nor haste
        "Phường có bao nhiêu hộ nghèo?",
    ],
)
def test_nothing_else_is_read_as_initials(question: str) -> None:
    assert spell_out_ward_initials(question, KNOWN) == question


def test_initials_two_wards_share_name_neither() -> None:
    known = ["Xương Giang", "Xuân Giang"]
    assert spell_out_ward_initials("XG thu bao nhiêu?", known) == "XG thu bao nhiêu?"


def test_a_one_word_name_has_no_initials() -> None:
    assert ward_initials("Phú") == ""
    assert spell_out_ward_initials("P thu bao nhiêu?", ["Phú"]) == "P thu bao nhiêu?"


def test_an_unaccented_question_stays_unaccented() -> None:
    assert spell_out_ward_initials("xg co bao nhieu ho ngheo", KNOWN) == "xuong giang co bao nhieu ho ngheo"
