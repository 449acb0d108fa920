"""Diacritic restoration of unaccented questions from the reports' own text."""

from __future__ import annotations

import pytest

from baocao.diacritics import Restorer

pytestmark = pytest.mark.unit

# a few lines in the wording of two different communes' reports
REPORTS = [
    "Năm 2023, xã Tân Lập có 12 hộ nghèo, chiếm 0,8%; hộ cận nghèo giảm còn 20 hộ.",
    "Thu ngân sách trên địa bàn xã ước đạt 4,2 tỷ đồng, bằng 105% kế hoạch.",
    "Phường Ngô Quyền tổ chức tiêm chủng mở rộng cho 100% trẻ em trong độ tuổi.",
    "Bảo đảm an ninh trật tự; bảo hiểm y tế đạt 92%.",
]
QUESTION_WORDS = ["bao nhiêu", "có bao nhiêu", "tỷ lệ"]


def test_unaccented_words_are_written_as_the_reports_write_them() -> None:
    r = Restorer([*REPORTS, *QUESTION_WORDS])
    assert r.restore("xa Tan Lap co bao nhieu ho ngheo") == "xã Tân Lập có bao nhiêu hộ nghèo"
    assert r.restore("thu ngan sach nam 2023 dat bao nhieu") == "thu ngân sách năm 2023 đạt bao nhiêu"
    # context decides between forms of one folded syllable: "bao" (nhiêu) vs "bảo" (hiểm)
    assert r.restore("bao hiem y te") == "bảo hiểm y tế"


def test_accented_text_and_unknown_words_are_left_as_typed() -> None:
    r = Restorer(REPORTS)
    assert r.restore("Thu ngân sách xã Tân Lập") == "Thu ngân sách xã Tân Lập"
    assert r.restore("zalo cua xa") == "zalo cua xã"  # words the reports never write stay as typed
    assert r.restore("TIEM CHUNG") == "TIÊM CHỦNG"
    assert Restorer([]).restore("ho ngheo") == "ho ngheo"


def test_syllables_spelt_with_y_are_found_and_written_as_the_reports_write_them() -> None:
    # "tỷ", "ký", "kỳ" have a canonical spelling with "i" (for matching); typed "ty", "ky"
    # must still find them, and come back in the reports' own spelling
    r = Restorer(
        [
            "Tỷ lệ hộ nghèo giảm còn 0,8%; tỷ lệ tham gia bảo hiểm y tế đạt 92%.",
            "So với cùng kỳ năm 2022 tăng 5%.",
            "Chủ tịch Vũ Trí Khánh ký báo cáo.",
        ]
    )
    assert r.restore("ty le ho ngheo") == "tỷ lệ hộ nghèo"
    assert r.restore("so voi cung ky") == "so với cùng kỳ"
    assert r.restore("ai ky bao cao") == "ai ký báo cáo"
