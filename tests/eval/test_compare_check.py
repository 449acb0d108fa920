"""The ward-by-ward comparison check (``eval.compare_check``) on hand-made records."""

from __future__ import annotations

import pytest

from assistant.types import AnswerRecord
from eval.compare_check import check
from eval.schema import EvalQuestion

pytestmark = pytest.mark.unit

REPORTS = {"a.txt": "Thu gom 94 tấn rác. Xử lý 01 trường hợp.", "b.txt": "Thu gom 1,2 tấn rác."}
WARD_OF = {"a.txt": "A", "b.txt": "B"}


def question(must: list[str], evidence: list[str], answerable: bool = True) -> EvalQuestion:
    return EvalQuestion(id="q", question="So sánh rác thu gom", must_contain=must, evidence=evidence,
                        answerable=answerable, category="comparison")  # fmt: skip


def record(rows: list[dict[str, object]], refused: bool = False) -> AnswerRecord:
    return AnswerRecord(question="q", answer="…", refused=refused, comparison=rows, mode="comparison")


Q = question(["94 tấn", "1,2 tấn"], ["Thu gom 94 tấn rác.", "Thu gom 1,2 tấn rác."])


def test_each_ward_shows_its_own_figure() -> None:
    good = record([{"ward": "A", "figure": "94 tấn"}, {"ward": "B", "figure": "1,2 tấn"}])
    assert check(good, Q, REPORTS, WARD_OF)
    swapped = record([{"ward": "A", "figure": "1,2 tấn"}, {"ward": "B", "figure": "94 tấn"}])
    assert not check(swapped, Q, REPORTS, WARD_OF)
    other = record([{"ward": "A", "figure": "01 trường hợp", "quote": "Xử lý 01 trường hợp."},
                    {"ward": "B", "figure": "1,2 tấn"}])  # fmt: skip
    assert not check(other, Q, REPORTS, WARD_OF)


def test_a_ward_without_the_figure_must_say_so() -> None:
    q = question(["94 tấn"], ["Thu gom 94 tấn rác."])
    said = record([{"ward": "A", "figure": "94 tấn"}, {"ward": "B", "refused": True}])
    assert check(said, q, REPORTS, WARD_OF)
    invented = record([{"ward": "A", "figure": "94 tấn"}, {"ward": "B", "figure": "1,2 tấn"}])
    assert not check(invented, q, REPORTS, WARD_OF)


def test_unanswerable_comparison_is_refused() -> None:
    q = question([], [], answerable=False)
    assert check(record([], refused=True), q, REPORTS, WARD_OF)
    assert not check(record([{"ward": "A", "figure": "94 tấn"}]), q, REPORTS, WARD_OF)
