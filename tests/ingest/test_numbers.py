"""The grammar of Vietnamese figures: hand-made sentences in several communes' wording."""

from __future__ import annotations

import pytest

from ingest.numbers import find_figures, parse_number


def figs(s: str) -> list[tuple[str, float, str]]:
    return [(f.value_text, f.value, f.unit) for f in find_figures(s)]


@pytest.mark.parametrize(
    ("raw", "value"),
    [("15.300.000.000", 15_300_000_000), ("268,43", 268.43), ("1.234,5", 1234.5), ("04", 4), ("0,02", 0.02)],
)
def test_parse_number(raw: str, value: float) -> None:
    assert parse_number(raw) == pytest.approx(value)


def test_money_pair_is_actual_and_plan() -> None:
    got = figs("Thu ngân sách phường ước: 15.300.000.000đ/5.700.000.000đ đạt 268,43% kế hoạch")
    assert got == [
        ("15.300.000.000đ", 15_300_000_000, "đồng"),
        ("5.700.000.000đ", 5_700_000_000, "đồng"),
        ("268,43%", 268.43, "%"),
    ]


def test_scaled_money_with_qualifier() -> None:
    (f,) = find_figures("Giá trị sản xuất TM - DV ước tổng doanh thu đạt gần 7,6 tỷ đồng")
    assert (f.value_text, f.value, f.unit, f.approx) == ("gần 7,6 tỷ đồng", 7.6e9, "đồng", "gần")


def test_range_fraction_and_permille() -> None:
    (r,) = find_figures("Phấn đấu tăng trưởng TMDV từ 23,5 - 24%.")
    assert (r.value_text, r.value, r.value_high, r.unit) == ("23,5 - 24%", 23.5, 24.0, "%")
    (fr,) = [f for f in find_figures("Giới thiệu 169/180 người có việc làm mới") if f.unit == "người"]
    assert (fr.value_text, fr.value, fr.denominator) == ("169/180 người", 169, 180)
    (pm,) = find_figures("mức giảm tỷ lệ sinh 0,02‰;")
    assert (pm.value, pm.unit) == (0.02, "‰")


@pytest.mark.parametrize(
    "sentence",
    [
        "2.7. Hoàn thành chỉ tiêu giảm hộ nghèo",
        "Căn cứ Công văn số 3390/UBND-TCKH ngày 23/8/2023 của Chủ tịch UBND thành phố",
        "Thực hiện Chỉ thị số 17-CT/TU ngày 27/02/2020 của BTV Tỉnh ủy",
        "P. Xương Giang, ngày 30 tháng 8 năm 2023",
        "thu gom, xử lý các điểm tồn lưu rác thải, phế thải(6).",
        "Nghị quyết Đại hội Đảng bộ phường lần thứ V, nhiệm kỳ 2020-2025;",
        "Chương trình phòng, chống dịch Covid-19 năm 2022-2023.",
        "Nhà sinh hoạt văn hóa tổ 8,9. Phối hợp sửa chữa nâng cấp ngõ 2, đường Xương Giang",
        "Trả tiền bồi thường GPMB đợt 1, 2 cho các hộ",
        "kỷ niệm 60 năm ngày Bác Hồ về thăm; trẻ từ 6 tháng đến 5 tuổi",
        "Căn cứ Điều 5 Nghị định 100/2019/NĐ-CP",
        "bầu cử Tổ trưởng tổ dân phố Nam Giang 2, nhiệm kỳ 2022-2025",
        "áp dụng hệ thống TCVN ISO 9001:2015; trực 24/24h",
    ],
)
def test_not_values(sentence: str) -> None:
    assert figs(sentence) == []


def test_counts_keep_their_noun() -> None:
    got = figs("Năm 2023, phường có 04 hộ nghèo = 0,14%, giảm 01 hộ; 06 hộ cận nghèo = 0,21%.")
    assert got == [
        ("04 hộ nghèo", 4, "hộ nghèo"),
        ("0,14%", 0.14, "%"),
        ("01 hộ", 1, "hộ"),
        ("06 hộ cận nghèo", 6, "hộ cận nghèo"),
        ("0,21%", 0.21, "%"),
    ]


def test_comrades_are_not_money() -> None:
    got = figs("Số lượng cán bộ, giáo viên, nhân viên 51 đồng chí; 03 đ/c phó ban")
    assert all(u != "đồng" for _, _, u in got)


def test_word_ranges_label_lists_and_leading_counts() -> None:
    (r,) = find_figures("từ 01 đến 02 cán bộ, công chức đạt chiến sĩ thi đua")
    assert (r.value_text, r.value, r.value_high, r.unit) == ("01 đến 02 cán bộ", 1, 2, "cán bộ")
    assert figs("182 người lực lượng xung kích 1, 2.") == [("182 người", 182, "người")]
    assert figs("2.828 hộ gia đình, với gần 11.400 nhân khẩu") == [
        ("2.828 hộ gia đình", 2828, "hộ gia đình"),
        ("gần 11.400 nhân khẩu", 11400, "nhân khẩu"),
    ]
    assert figs("2.1 Công tác văn hoá, thể thao") == []
    assert figs("tổ chức kỷ niệm ngày 27/7; Quảng trường 3/2") == []
