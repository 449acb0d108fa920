"""Held-out reporting: the shipped threshold applied to records answered at threshold 0,
and the risk–coverage table traced from the same records."""

from __future__ import annotations

import pytest

from assistant.types import AnswerRecord
from eval.heldout import SETS, at_threshold, heldout_set, risk_coverage
from eval.schema import EvalQuestion

pytestmark = pytest.mark.unit


def _rec(qid: str, answer: str, confidence: float, refused: bool = False) -> AnswerRecord:
    return AnswerRecord(id=qid, question="?", answer=answer, refused=refused, confidence=confidence)


def test_low_confidence_answers_become_refusals() -> None:
    recs = [_rec("a", "Thu 15.300.000.000đ", 0.9), _rec("b", "Chi 5.700.000.000đ", 0.2)]
    out = at_threshold(recs, 0.5)
    assert [r.refused for r in out] == [False, True]
    assert not recs[1].refused  # the input records are left alone


def test_risk_coverage_answers_less_as_the_threshold_rises() -> None:
    qs = [
        EvalQuestion(id="a", question="?", category="fact_number", must_contain=["15.300.000.000"]),
        EvalQuestion(id="b", question="?", category="unanswerable", answerable=False),
    ]
    recs = [_rec("a", "Thu 15.300.000.000đ", 0.9), _rec("b", "Chi 5.700.000.000đ", 0.3)]
    table = risk_coverage(recs, qs)
    answered = [r["answered"] for r in table]
    assert answered == sorted(answered, reverse=True)
    at_half = next(r for r in table if r["threshold"] == 0.5)
    assert at_half["accuracy"] == 1.0 and at_half["wrong"] == 0.0


def test_every_heldout_set_has_its_questions_and_reports() -> None:
    for name in SETS:
        hs = heldout_set(name)
        assert hs.questions.is_file() and any(hs.reports.iterdir())
    for name in ("newreports", "newreports2", "newreports2_talk", "newreports2_pdf"):
        assert heldout_set(name).wards(), f"{name}: its reports name their ward in metadata.jsonl"
