"""Comparisons and trends from the indicator table (hand-made records, no index)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.compare import _pick, compare, is_trend, topic_of
from assistant.types import AnswerRecord, Citation
from ingest.indicators import IndicatorRecord

pytestmark = pytest.mark.unit


def rec(ward: str, indicator: str, value_text: str, value: float, unit: str, **kw: object) -> IndicatorRecord:
    base = {
        "year": 2023, "kind": "thực hiện", "document": f"Báo cáo {ward}", "doc_date": "2023-11-30",
        "section": "I. KINH TẾ", "source": f"{ward}.txt", "doc_id": ward, "chunk_id": f"c-{ward}",
    }  # fmt: skip
    base.update(kw)
    text = str(base.pop("text", f"Năm 2023, phường có {value_text}."))
    return IndicatorRecord(ward=ward, indicator=indicator, value_text=value_text, value=value, unit=unit,
                           text=text, **base)  # type: ignore[arg-type]  # fmt: skip


def never(q: str, w: str) -> AnswerRecord:
    """A ward's own answer that finds nothing (the answerer refuses): the table decides."""
    return AnswerRecord(question=q, answer="…", refused=True)


def quoting(texts: dict[str, tuple[str, str]]) -> Callable[[str, str], AnswerRecord]:
    """A ward's own answer quoting the given (chunk id, sentence)."""

    def answer(q: str, w: str) -> AnswerRecord:
        if w not in texts:
            return never(q, w)
        chunk, sentence = texts[w]
        cite = Citation(n=1, ward=w, document="", section="", text=sentence, source="", chunk_id=chunk,
                        quote=sentence)  # fmt: skip
        return AnswerRecord(question=q, answer=sentence, citations=[cite])

    return answer


def kind(w: str) -> str:
    return "xã" if w == "Hòa Bình" else "phường"


TABLE = [
    rec("Xương Giang", "số hộ nghèo", "04 hộ nghèo", 4, "hộ nghèo"),
    rec("Xương Giang", "tỷ lệ hộ nghèo", "0,14%", 0.14, "%"),
    rec(
        "Ngô Quyền",
        "số hộ nghèo",
        "02 hộ nghèo",
        2,
        "hộ nghèo",
        document="Báo cáo 137",
        doc_date="2023-08-30",
    ),
    rec("Ngô Quyền", "thu ngân sách", "17.384.571.763 đồng", 17384571763, "đồng", kind="ước thực hiện"),
    rec("Ngô Quyền", "thu ngân sách", "104,4%", 104.4, "%", kind="ước thực hiện", base="kế hoạch"),
    rec(
        "Xương Giang",
        "thu ngân sách",
        "15.300.000.000đ",
        15.3e9,
        "đồng",
        kind="ước thực hiện",
        doc_date="2023-08-30",
    ),
    rec("Xương Giang", "thu ngân sách", "5.700.000.000đ", 5.7e9, "đồng", kind="kế hoạch"),
    rec("Hòa Bình", "tỷ lệ hộ nghèo", "1,2%", 1.2, "%", year=2022, doc_id="hb22"),
    rec("Hòa Bình", "tỷ lệ hộ nghèo", "0,9%", 0.9, "%", year=2023, doc_id="hb23"),
]


def test_asked_indicator_only_and_missing_ward_said() -> None:
    r = compare("So sánh tỷ lệ hộ nghèo của phường Xương Giang và phường Ngô Quyền",
                ["Xương Giang", "Ngô Quyền"], never, kind, lambda: TABLE)  # fmt: skip
    figures = [row.get("figure") for row in r.comparison if not row.get("refused")]
    assert figures == ["0,14%"]  # never "04 hộ nghèo" nor "02 hộ nghèo"
    assert "Ngô Quyền không nêu" in r.answer
    assert [c.text for c in r.citations] == ["Năm 2023, phường có 0,14%."]


def test_count_comparison_ranks_and_says_as_of() -> None:
    r = compare("So sánh số hộ nghèo hai phường", ["Xương Giang", "Ngô Quyền"], never, kind, lambda: TABLE)
    assert [row["figure"] for row in r.comparison] == ["04 hộ nghèo", "02 hộ nghèo"]
    assert "phường Xương Giang (04 hộ nghèo) cao hơn phường Ngô Quyền (02 hộ nghèo)" in r.answer
    assert "Lưu ý" in r.answer and "Báo cáo 137" in r.answer  # different document dates are stated
    assert all(row["as_of"] for row in r.comparison)


def test_money_not_its_ratio_and_result_before_plan() -> None:
    r = compare("Phường nào thu ngân sách cao hơn?", ["Xương Giang", "Ngô Quyền"], never, kind, lambda: TABLE)
    assert {row["figure"] for row in r.comparison} == {"15.300.000.000đ", "17.384.571.763 đồng"}
    assert "Ngô Quyền (17.384.571.763 đồng) cao hơn" in r.answer
    assert all(c.text and c.ward for c in r.citations)


def test_conflicting_figures_both_shown() -> None:
    table = [*TABLE, rec("Xương Giang", "số hộ nghèo", "05 hộ nghèo", 5, "hộ nghèo", doc_id="other",
                         document="Báo cáo khác", text="Toàn phường còn 05 hộ nghèo.")]  # fmt: skip
    r = compare("So sánh số hộ nghèo hai phường", ["Xương Giang", "Ngô Quyền"], never, kind, lambda: table)
    xg = [row["figure"] for row in r.comparison if row["ward"] == "Xương Giang"]
    assert xg == ["04 hộ nghèo", "05 hộ nghèo"]
    assert "2 số liệu khác nhau" in r.answer
    assert len(r.citations) == 3


def test_trend_uses_every_report() -> None:
    assert is_trend("Tỷ lệ hộ nghèo xã Hòa Bình qua các năm")
    r = compare("Tỷ lệ hộ nghèo xã Hòa Bình qua các năm", ["Hòa Bình"], never, kind, lambda: TABLE)
    assert [(row["year"], row["figure"]) for row in r.comparison] == [(2022, "1,2%"), (2023, "0,9%")]


def test_units_differ_is_said() -> None:
    table = [
        rec("A", "thu gom rác thải", "94 tấn", 94, "tấn"),
        rec("B", "thu gom rác thải", "1.200 kg", 1200, "kg"),
    ]
    r = compare("So sánh thu gom rác thải", ["A", "B"], never, kind, lambda: table)
    assert "không cùng đơn vị" in r.answer and "cao hơn" not in r.answer


def test_no_indicator_falls_back_to_quotes_without_a_figure() -> None:
    def quote(q: str, w: str) -> AnswerRecord:
        return AnswerRecord(question=q, answer="…", refused=True)

    r = compare("So sánh công tác chuyển đổi số", ["Xương Giang", "Ngô Quyền"], quote, kind, lambda: TABLE)
    assert all(not row.get("figure") for row in r.comparison)


def test_topic_drops_wards_and_years() -> None:
    assert topic_of("So sánh thu ngân sách năm 2023 của phường Ngô Quyền và Xương Giang",
                    ["Ngô Quyền", "Xương Giang"]) == "thu ngân sách"  # fmt: skip


def test_lower_is_answered_as_lower() -> None:
    table = [rec("A", "tỷ lệ hộ nghèo", "0,5%", 0.5, "%"), rec("B", "tỷ lệ hộ nghèo", "0,9%", 0.9, "%")]
    r = compare("Phường nào có tỷ lệ hộ nghèo thấp hơn?", ["A", "B"], never, kind, lambda: table)
    assert "phường A (0,5%) thấp hơn phường B (0,9%)" in r.answer


def test_year_named_is_kept_strictly() -> None:
    table = [
        rec("A", "tỷ lệ hộ nghèo", "0,5%", 0.5, "%", year=2022),
        rec("B", "tỷ lệ hộ nghèo", "0,9%", 0.9, "%"),
    ]
    r = compare("So sánh tỷ lệ hộ nghèo năm 2023", ["A", "B"], never, kind, lambda: table)
    assert [row.get("figure") for row in r.comparison] == [None, "0,9%"]
    assert "phường A không nêu" in r.answer


def test_everyday_wording_reaches_the_indicator() -> None:
    r = compare(
        "Phường nào có nguồn thu nhiều hơn?", ["Xương Giang", "Ngô Quyền"], never, kind, lambda: TABLE
    )
    assert {row["figure"] for row in r.comparison} == {"15.300.000.000đ", "17.384.571.763 đồng"}


HO_TICH = "Đăng ký khai sinh 77 hồ sơ, khai tử 19 hồ sơ, kết hôn 28 hồ sơ."


def test_a_broad_indicator_keeps_the_figure_the_ward_answer_quotes() -> None:
    """ "đăng ký hộ tịch" holds births, deaths and marriages: the row is the asked one."""
    table = [
        rec(
            "Xương Giang",
            "đăng ký hộ tịch",
            "77 hồ sơ",
            77,
            "hồ sơ",
            text=HO_TICH,
            phrase="đăng ký khai sinh",
        ),
        rec("Xương Giang", "đăng ký hộ tịch", "19 hồ sơ", 19, "hồ sơ", text=HO_TICH, phrase="khai tử"),
        rec("Xương Giang", "đăng ký hộ tịch", "28 hồ sơ", 28, "hồ sơ", text=HO_TICH, phrase="kết hôn"),
        rec("Ngô Quyền", "đăng ký hộ tịch", "45 trường hợp", 45, "trường hợp", phrase="khai tử"),
    ]
    r = compare(
        "So sánh số ca đăng ký khai tử của hai phường",
        ["Xương Giang", "Ngô Quyền"],
        never,
        kind,
        lambda: table,
    )
    assert [row["figure"] for row in r.comparison] == ["19 hồ sơ", "45 trường hợp"]


def test_meaning_overrules_an_indicator_named_by_a_loose_word() -> None:
    """The topic's words name one indicator, but both wards' own answers quote the figures
    of another: the figures of what the answers found are compared."""
    a_text, b_text = "Thu gom trên 1,2 tấn rác thải.", "Thu gom trên 94 tấn rác, phế thải."
    table = [
        rec("Xương Giang", "xử lý vi phạm trật tự đô thị", "01 trường hợp", 1, "trường hợp"),
        rec("Ngô Quyền", "xử lý vi phạm trật tự đô thị", "198 buổi", 198, "buổi"),
        rec("Xương Giang", "rác thải thu gom", "trên 1,2 tấn", 1.2, "tấn", text=a_text, chunk_id="ca"),
        rec("Ngô Quyền", "rác thải thu gom", "trên 94 tấn", 94, "tấn", text=b_text, chunk_id="cb"),
    ]
    answers = quoting({"Xương Giang": ("ca", a_text), "Ngô Quyền": ("cb", b_text)})
    r = compare(
        "So sánh vi phạm lượng rác gom được hai phường",
        ["Xương Giang", "Ngô Quyền"],
        answers,
        kind,
        lambda: table,
    )
    assert [row["figure"] for row in r.comparison] == ["trên 1,2 tấn", "trên 94 tấn"]
    assert "phường Ngô Quyền (trên 94 tấn) cao hơn phường Xương Giang (trên 1,2 tấn)" in r.answer


def test_one_ward_answer_does_not_overrule_the_named_indicator() -> None:
    other = "Xử lý 01 trường hợp vi phạm."
    table = [
        rec("Xương Giang", "tỷ lệ hộ nghèo", "0,5%", 0.5, "%"),
        rec("Ngô Quyền", "tỷ lệ hộ nghèo", "0,9%", 0.9, "%"),
        rec(
            "Xương Giang",
            "xử lý vi phạm trật tự đô thị",
            "01 trường hợp",
            1,
            "trường hợp",
            text=other,
            chunk_id="x",
        ),
    ]
    answers = quoting({"Xương Giang": ("x", other)})
    r = compare(
        "So sánh tỷ lệ hộ nghèo hai phường", ["Xương Giang", "Ngô Quyền"], answers, kind, lambda: table
    )
    assert [row["figure"] for row in r.comparison] == ["0,5%", "0,9%"]


def test_no_indicator_named_uses_the_figures_the_answers_quote() -> None:
    a_text, b_text = "Đài xây dựng gần 150 chương trình, 330 tin bài.", "Đài xây dựng 102 chương trình."
    table = [
        rec("Xương Giang", "tin, bài", "330 tin bài", 330, "tin bài", text=a_text, chunk_id="ca"),
        rec(
            "Xương Giang",
            "chương trình phát thanh",
            "gần 150 chương trình",
            150,
            "chương trình",
            text=a_text,
            chunk_id="ca",
        ),
        rec(
            "Ngô Quyền",
            "chương trình phát thanh",
            "102 chương trình",
            102,
            "chương trình",
            text=b_text,
            chunk_id="cb",
        ),
    ]
    answers = quoting({"Xương Giang": ("ca", a_text), "Ngô Quyền": ("cb", b_text)})
    r = compare(
        "Đài của hai phường làm được bao nhiêu chương trình?",
        ["Xương Giang", "Ngô Quyền"],
        answers,
        kind,
        lambda: table,
    )
    assert [row["figure"] for row in r.comparison] == ["gần 150 chương trình", "102 chương trình"]


def test_a_plan_as_base_is_not_a_plan_question() -> None:
    """ "đạt bao nhiêu % so với kế hoạch" asks a result (whose base is the plan)."""
    recs = [
        rec("Xương Giang", "thu ngân sách", "5.700.000.000đ", 5.7e9, "đồng", kind="kế hoạch"),
        rec("Xương Giang", "thu ngân sách", "268,43%", 268.43, "%", base="kế hoạch"),
    ]
    as_base = _pick(recs, "Thu ngân sách đạt bao nhiêu phần trăm so với kế hoạch?", 2023)
    assert [r.value_text for r in as_base] == ["268,43%"]
    asked = _pick(recs, "Kế hoạch thu ngân sách năm 2023 là bao nhiêu?", 2023)
    assert [r.value_text for r in asked] == ["5.700.000.000đ"]


def test_next_year_asks_the_plan_and_this_year_the_result() -> None:
    recs = [
        rec("Tân Lập", "tỷ lệ hộ nghèo", "1,8%", 1.8, "%"),
        rec("Tân Lập", "tỷ lệ hộ nghèo", "dưới 1,2%", 1.2, "%", kind="kế hoạch", year=2024),
    ]
    assert [r.value_text for r in _pick(recs, "Năm tới tỷ lệ hộ nghèo bên nào thấp hơn?", None)] == [
        "dưới 1,2%"
    ]
    assert [r.value_text for r in _pick(recs, "Năm nay tỷ lệ hộ nghèo bên nào thấp hơn?", None)] == ["1,8%"]


def test_this_year_is_each_reports_own_year_and_never_another_years_plan() -> None:
    """ "Năm nay" is the year of each ward's report: a ward whose table holds only next year's
    target has no figure for it (its own answer may still find one); a report of another year
    resolves to its own year."""
    recs = [
        rec("Đông Sơn", "tỷ lệ tổ dân phố văn hóa", "100%", 100, "%", kind="kế hoạch", year=2024),
        rec("Tân Lập", "tỷ lệ tổ dân phố văn hóa", "88,9%", 88.9, "%", year=2022, doc_date="2022-12-15"),
        rec(
            "Tân Lập",
            "tỷ lệ tổ dân phố văn hóa",
            "90%",
            90,
            "%",
            kind="kế hoạch",
            year=2023,
            doc_date="2022-12-15",
        ),
    ]
    q = "Năm nay tỷ lệ tổ dân phố văn hóa của Đông Sơn và Tân Lập bên nào cao hơn?"
    assert _pick([r for r in recs if r.ward == "Đông Sơn"], q, 2024) == []
    assert [r.value_text for r in _pick([r for r in recs if r.ward == "Tân Lập"], q, 2024)] == ["88,9%"]
    q_next = "Năm sau tỷ lệ tổ dân phố văn hóa của Đông Sơn và Tân Lập đặt chỉ tiêu bao nhiêu?"
    assert [r.value_text for r in _pick([r for r in recs if r.ward == "Tân Lập"], q_next, 2024)] == ["90%"]


def test_this_year_of_an_undated_report_is_the_first_year_its_figures_cover() -> None:
    """A web text with no date of issue: "năm nay" counts from the first year it reports (as
    the single answer does, ``query.report_year``)."""
    recs = [
        rec("Kỳ Sơn", "số hộ nghèo", "12 hộ", 12, "hộ", doc_date=""),
        rec("Kỳ Sơn", "số hộ nghèo", "dưới 10 hộ", 10, "hộ", doc_date="", kind="kế hoạch", year=2024),
    ]
    assert [r.value_text for r in _pick(recs, "Năm nay số hộ nghèo của Kỳ Sơn là bao nhiêu?", 2023)] == [
        "12 hộ"
    ]
    assert [r.value_text for r in _pick(recs, "Năm sau Kỳ Sơn còn bao nhiêu hộ nghèo?", 2023)] == [
        "dưới 10 hộ"
    ]


def test_a_ward_without_the_named_figure_keeps_what_its_own_answer_finds() -> None:
    """The indicator's name finds one ward's figure; the other ward's report words it otherwise
    ("thẩm định hồ sơ xin cấp phép"), and that ward's own answer quotes it: the comparison shows
    it, as a question about that ward alone would, instead of saying the report lacks it."""
    nq = "Thẩm định hồ sơ xin cấp phép cho 35 trường hợp."
    pressure = "Trạm y tế đo huyết áp miễn phí được 66 lượt người."
    table = [
        rec("Xương Giang", "cấp phép xây dựng", "72 trường hợp", 72, "trường hợp"),
        rec("Ngô Quyền", "hồ sơ xin cấp phép", "35 trường hợp", 35, "trường hợp", text=nq, chunk_id="n"),
        rec("Xương Giang", "số lượt khám chữa bệnh", "142 lượt người", 142, "lượt người"),
        rec(
            "Ngô Quyền",
            "đo huyết áp miễn phí",
            "66 lượt người",
            66,
            "lượt người",
            text=pressure,
            chunk_id="p",
        ),
    ]
    wards = ["Xương Giang", "Ngô Quyền"]
    r = compare("Phường nào cấp phép xây dựng nhiều trường hợp hơn?", wards,
                quoting({"Ngô Quyền": ("n", nq)}), kind, lambda: table)  # fmt: skip
    assert [row.get("figure") for row in r.comparison] == ["72 trường hợp", "35 trường hợp"]
    # an answer quoting a figure that names nothing the question names besides its unit is not used
    r = compare("Số lượt khám chữa bệnh của hai phường", wards,
                quoting({"Ngô Quyền": ("p", pressure)}), kind, lambda: table)  # fmt: skip
    assert [row.get("figure") for row in r.comparison if not row.get("refused")] == ["142 lượt người"]
    assert "Ngô Quyền không nêu" in r.answer
