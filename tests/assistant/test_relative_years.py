"""Years named without a number: "năm nay" is the report's own year, "năm sau"/"năm tới" the
year its plan is for. Hand-made passages of a commune report dated in 2023 that has a results
part (2023) and a plan part (2024) stating the same indicator."""

from __future__ import annotations

import pytest

from assistant.answer import Signals, asked_years, report_year, score_sentences, term_weights
from assistant.query import analyse, relative_years
from assistant.types import Passage
from vectorstore.lexical import LexicalIndex

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("question", "offsets"),
    [
        ("Năm nay tỷ lệ hộ nghèo của xã là bao nhiêu?", [0]),
        ("Năm sau xã phấn đấu trồng bao nhiêu cây?", [1]),
        ("Kế hoạch năm tới về y tế gồm những gì?", [1]),
        ("nam toi tan lap lam duong gi", [1]),
        ("Năm kế tiếp thu ngân sách dự kiến bao nhiêu?", [1]),
        ("Số trẻ năm nay nhiều hơn năm ngoái không?", [0]),
        # from the start of the year up to now: "năm tới nay" is not next year
        ("Từ đầu năm tới nay có bao nhiêu vụ cháy?", []),
        ("Từ đầu năm tới giờ có nhà nào sinh con thứ ba không?", []),
        # plural: no one year
        ("Những năm tới xã định hướng phát triển ngành nào?", []),
        # last year is ambiguous (before the report, or the report's own year seen from today)
        ("Năm ngoái xã thu ngân sách được bao nhiêu?", []),
        ("Tăng bao nhiêu so với năm trước?", []),
        ("Thu ngân sách năm 2023 đạt bao nhiêu?", []),
    ],
)
def test_relative_years_are_read_from_the_question(question: str, offsets: list[int]) -> None:
    assert relative_years(question) == offsets


def _passage(i: int, section: str, text: str, date: str = "28/11/2023") -> Passage:
    return Passage(
        chunk_id=f"c{i}", doc_id="d", text=text, ward="Tân Lập", ward_kind="xã", section=section,
        position=i, date=date, years=[2023, 2024],
    )  # fmt: skip


TAN_LAP = [
    (
        "I. Kết quả thực hiện nhiệm vụ năm 2023 > 4. Chính sách xã hội",
        "Tỷ lệ hộ nghèo toàn xã còn 1,8%, giảm 0,6% so với năm 2022. Trồng mới 2.500 cây xanh.",
    ),
    (
        "II. Phương hướng, nhiệm vụ năm 2024 > 4. Chính sách xã hội",
        "Giảm tỷ lệ hộ nghèo xuống dưới 1,2%. Trồng mới 3.000 cây xanh trên các tuyến đường.",
    ),
]


def _best(question: str) -> str:
    from vectorstore.bm25_side import lexical_text

    texts = [lexical_text(t, s) for s, t in TAN_LAP]
    lex = LexicalIndex.build([f"c{i}" for i in range(len(texts))], texts, ["d"] * len(texts))
    info = analyse(question, ["Tân Lập"])
    passages = [_passage(i, s, t) for i, (s, t) in enumerate(TAN_LAP)]
    picks = score_sentences(info, term_weights(info, lex), passages, Signals())
    return picks[0].sentence.text


def test_report_year_is_the_year_of_issue_else_the_first_year_covered() -> None:
    assert report_year(_passage(0, "", "", date="05/12/2023")) == 2023
    assert report_year(Passage(chunk_id="c", doc_id="d", text="", ward="X", years=[2024, 2025])) == 2024
    assert report_year(Passage(chunk_id="c", doc_id="d", text="", ward="X")) is None


def test_relative_years_resolve_against_each_document() -> None:
    info = analyse("Năm sau xã Tân Lập trồng bao nhiêu cây?", ["Tân Lập"])
    assert asked_years(info, _passage(0, "", "", date="28/11/2023")) == [2024]
    assert asked_years(info, _passage(0, "", "", date="02/12/2024")) == [2025]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Năm nay xã Tân Lập trồng được bao nhiêu cây?", "2.500 cây"),
        ("Năm sau xã Tân Lập trồng bao nhiêu cây?", "3.000 cây"),
        ("Năm tới tỷ lệ hộ nghèo ở Tân Lập còn bao nhiêu?", "dưới 1,2%"),
        ("Năm nay tỷ lệ hộ nghèo ở Tân Lập còn bao nhiêu?", "1,8%"),
    ],
)
def test_the_relative_year_picks_the_part_of_the_report_it_means(question: str, expected: str) -> None:
    assert expected in _best(question)
