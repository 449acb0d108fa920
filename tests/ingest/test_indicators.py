"""Indicator, kind, base and year of figures, in several communes' wording."""

from __future__ import annotations

from ingest.indicators import extract_chunk, match_catalogue
from ingest.models import DocumentMeta

META = DocumentMeta(
    doc_id="d1", ward="Hòa Bình", ward_kind="xã", doc_type="Báo cáo", date="2023-11-30",
    years=[2023, 2024], source="hoa_binh.txt",
)  # fmt: skip
RESULT = ["Phần thứ nhất: KẾT QUẢ THỰC HIỆN NHIỆM VỤ NĂM 2023", "I. KINH TẾ"]
PLAN = ["Phần thứ hai: NHIỆM VỤ, CHỈ TIÊU NĂM 2024"]


def rows(text: str, path: list[str] = RESULT) -> list[tuple[str, str, str, str, int | None]]:
    return [
        (r.value_text, r.indicator, r.kind, r.base, r.year) for r in extract_chunk(META, text, path, "c1", 3)
    ]


def test_budget_estimate_with_ratios() -> None:
    got = rows(
        "Tổng thu ngân sách xã ước đạt 17.384.571.763 đồng đạt 104,4% so với kế hoạch năm "
        "và đạt 92,5% so với cùng kỳ năm 2022."
    )
    assert got[0] == ("17.384.571.763 đồng", "thu ngân sách", "ước thực hiện", "", 2023)
    assert got[1][:4] == ("104,4%", "thu ngân sách", "ước thực hiện", "kế hoạch")
    assert got[2][1:3] == ("thu ngân sách", "so sánh kỳ trước")


def test_poverty_count_and_rate() -> None:
    got = rows("Năm 2023, toàn xã còn 12 hộ nghèo, chiếm 0,8%; 20 hộ cận nghèo = 1,3%.")
    assert [(g[0], g[1]) for g in got] == [
        ("12 hộ nghèo", "số hộ nghèo"),
        ("0,8%", "tỷ lệ hộ nghèo"),
        ("20 hộ cận nghèo", "số hộ cận nghèo"),
        ("1,3%", "tỷ lệ hộ cận nghèo"),
    ]


def test_insurance_rate_other_wording() -> None:
    (r,) = rows("Tỷ lệ người dân tham gia BHYT đạt 92,5%.")
    assert r[1] == "tỷ lệ tham gia bảo hiểm y tế"


def test_plan_section_and_year() -> None:
    got = rows("Tỷ lệ hộ nghèo giảm còn dưới 0,15%; giải quyết việc làm mới cho 180 lao động.", PLAN)
    assert [(g[1], g[2], g[4]) for g in got] == [
        ("tỷ lệ hộ nghèo", "kế hoạch", 2024),
        ("số lao động có việc làm mới", "kế hoạch", 2024),
    ]


def test_uncatalogued_phrase_is_kept() -> None:
    (r,) = rows("Trong năm, xã đã bê tông hóa 3,2 km đường giao thông nông thôn.")
    assert r[0] == "3,2 km" and "đường giao thông nông thôn" in r[1]


def test_value_text_is_in_sentence_and_heading_number_never_a_value() -> None:
    recs = extract_chunk(META, "2.7. Hoàn thành chỉ tiêu giảm hộ nghèo\nCó 04 hộ nghèo.", RESULT, "c1", None)
    assert [r.value_text for r in recs] == ["04 hộ nghèo"]
    assert all(r.value_text in r.text for r in recs)


def test_catalogue_respects_measure() -> None:
    hit = match_catalogue("phường có hộ nghèo", "percent")
    assert hit is not None and hit.indicator == "tỷ lệ hộ nghèo"
    hit = match_catalogue("phường có hộ nghèo", "count")
    assert hit is not None and hit.indicator == "số hộ nghèo"


def test_other_communes_wording() -> None:
    got = {
        (r[0], r[1])
        for t in (
            "Tổng thu ngân sách trên địa bàn xã ước thực hiện 9 tháng đạt 5.234 triệu đồng, bằng 87,2% dự toán.",
            "Số hộ nghèo cuối năm là 45 hộ, chiếm 2,1%.",
            "Tuyển chọn, gọi 12 thanh niên nhập ngũ, đạt 100% chỉ tiêu.",
            "Xảy ra 03 vụ tai nạn giao thông, làm chết 02 người, bị thương 01 người.",
            "Diện tích lúa cả năm 1.250 ha, năng suất bình quân 62,5 tạ/ha, sản lượng đạt 7.812 tấn.",
            "6 tháng đầu năm, Tổng giá trị sản xuất ước đạt 245,6 tỷ đồng, tăng 8,2% so với cùng kỳ.",
        )
        for r in rows(t)
    }
    assert {
        ("5.234 triệu đồng", "thu ngân sách"),
        ("45 hộ", "số hộ nghèo"),
        ("2,1%", "tỷ lệ hộ nghèo"),
        ("12 thanh niên", "tuyển quân"),
        ("03 vụ", "số vụ tai nạn giao thông"),
        ("1.250 ha", "diện tích gieo trồng"),
        ("62,5 tạ/ha", "năng suất lúa"),
        ("245,6 tỷ đồng", "tổng giá trị sản xuất"),
    } <= got
    assert ("02 người", "số vụ tai nạn giao thông") not in got  # the dead are not accidents


def test_changes_against_a_base_are_comparisons_of_the_same_indicator() -> None:
    got = rows("Xảy ra 12 vụ phạm pháp hình sự (tăng 06 vụ so với năm 2022).")
    assert got[1] == ("06 vụ", "số vụ phạm pháp hình sự", "so sánh kỳ trước", "năm 2022", 2023)
    got = rows("Tổng số học sinh: 1034 trẻ (so với năm học trước giảm 159 trẻ).")
    assert got[1][1:4] == ("số học sinh", "so sánh kỳ trước", "năm học trước")


# Table rows as the loaders render them (ingest.tables): the label cell names the figure, the
# unit column gives its unit, the column header its kind, year, period and base.


def test_table_row_reads_label_unit_and_column_headers() -> None:
    got = [
        (r.value_text, r.value, r.unit, r.indicator, r.kind, r.year, r.period, r.base)
        for r in extract_chunk(
            META,
            "Biểu 1: Các chỉ tiêu chủ yếu\nSTT: 1 | Chỉ tiêu: Tổng thu ngân sách trên địa bàn | "
            "ĐVT: triệu đồng | KH năm 2023: 4.500 | Ước TH 9 tháng: 3.820 | So sánh ƯTH/KH (%): 84,9",
            RESULT,
            "c1",
            3,
        )
    ]
    assert got == [
        ("4.500", 4.5e9, "đồng", "thu ngân sách", "kế hoạch", 2023, "năm", ""),
        ("3.820", 3.82e9, "đồng", "thu ngân sách", "ước thực hiện", 2023, "9 tháng đầu năm", ""),
        ("84,9", 84.9, "%", "thu ngân sách", "ước thực hiện", 2023, "năm", "kế hoạch"),
    ]  # the row number "1" is not a figure; the caption is not read again


def test_table_row_percent_unit_column_and_previous_year() -> None:
    got = rows(
        "TT: 2 | Nội dung: Tỷ lệ hộ nghèo | ĐVT: % | Năm 2022: 3,5 | Năm 2023: 2,9 | So sánh cùng kỳ (%): 82,9"
    )
    assert got == [
        ("3,5", "tỷ lệ hộ nghèo", "thực hiện", "", 2022),
        ("2,9", "tỷ lệ hộ nghèo", "thực hiện", "", 2023),
        ("82,9", "tỷ lệ hộ nghèo", "so sánh kỳ trước", "cùng kỳ", 2023),
    ]


def test_headerless_table_row_and_uncatalogued_label() -> None:
    got = rows("3 | Số con bò lai sind | con | 450 | 470", PLAN)
    assert [(g[0], g[1], g[2]) for g in got] == [
        ("450", "số con bò lai sind", "kế hoạch"),
        ("470", "số con bò lai sind", "kế hoạch"),
    ]


def test_population_after_dan_so_is_a_figure() -> None:
    assert [g[0] for g in rows("Tổng dân số toàn xã 4.870 người, 1.250 hộ.")] == ["4.870 người", "1.250 hộ"]
    assert rows("Thực hiện Quyết định số 15 của UBND huyện về giao chỉ tiêu.") == []


def test_prose_around_a_row_shaped_line_is_still_read() -> None:
    got = rows(
        "Toàn xã có 1.250 hộ.\nChỉ tiêu: Diện tích lúa | ĐVT: ha | Năm 2023: 315\nĐã tiêm phòng cho 4.200 con gia cầm."
    )
    assert [g[0] for g in got] == ["1.250 hộ", "315", "4.200 con"]
