"""Evaluation metrics on hand-made records and questions."""

from __future__ import annotations

import unicodedata

import pytest

from assistant.types import AnswerRecord, Citation, Passage
from eval.metrics import (
    THRESHOLDS,
    accuracy,
    answer_correct,
    citation_precision,
    contains_all,
    false_refusal_rate,
    gate_failures,
    hit_at,
    mrr_at,
    normalise,
    percentile,
    question_rank,
    refusal_recall,
    retrieval_rank,
    summarise,
    worst_failures,
)
from eval.schema import EvalQuestion

pytestmark = pytest.mark.unit

EVIDENCE = "Thu ngân sách phường ước: 15.300.000.000đ đạt 268,43% kế hoạch"


def q(qid: str = "q1", category: str = "fact_number", answerable: bool = True, **kw: object) -> EvalQuestion:
    data: dict[str, object] = {
        "id": qid,
        "question": "Thu ngân sách năm 2023?",
        "category": category,
        "answerable": answerable,
        "must_contain": ["15.300.000.000", "268,43%"] if answerable else [],
        "evidence": [EVIDENCE] if answerable else [],
    }
    data.update(kw)
    return EvalQuestion.model_validate(data)


def cite(text: str, n: int = 1) -> Citation:
    return Citation(n=n, ward="Xương Giang", document="Báo cáo", section="", text=text, source="a.txt")


def passage(text: str, i: int = 0) -> Passage:
    return Passage(chunk_id=f"c{i}", doc_id="d", text=text, ward="Xương Giang")


def rec(
    answer: str = "",
    refused: bool = False,
    citations: list[Citation] | None = None,
    retrieved: list[Passage] | None = None,
    latency: float = 10.0,
    qid: str = "q1",
) -> AnswerRecord:
    return AnswerRecord(
        id=qid,
        question="?",
        answer=answer,
        refused=refused,
        citations=citations or [],
        retrieved=retrieved or [],
        latency_ms=latency,
    )


# ------------------------------------------------------------------------ normalisation


def test_normalise_ignores_case_whitespace_unicode_form_and_tone_placement() -> None:
    nfd = unicodedata.normalize("NFD", "Văn hoá")
    assert nfd != "Văn hoá"
    assert normalise(nfd) == normalise("Văn hoá")
    assert normalise("VĂN   HOÁ\n") == normalise("văn hóa")
    assert normalise("  gia  đình\tvăn hoá ") == "gia đình văn hóa"


def test_contains_all_uses_normalisation_but_keeps_figures_exact() -> None:
    answer = "Tỷ lệ gia đình VĂN HÓA đạt 96,9%; thu 15.300.000.000đ"
    assert contains_all(answer, ["gia đình văn hoá", "96,9%"])
    assert contains_all(unicodedata.normalize("NFD", answer), ["văn hoá"])
    assert contains_all(answer, [])  # nothing required
    assert not contains_all(answer, ["96.9%"])  # separators are not normalised
    assert not contains_all(answer, ["15 300 000 000"])


# ------------------------------------------------------------------------ answer correctness


def test_answer_correct_answerable() -> None:
    assert answer_correct(rec("Thu 15.300.000.000đ, đạt 268,43% kế hoạch [1]"), q())
    assert not answer_correct(rec("Thu 15.300.000.000đ [1]"), q())  # one figure missing
    assert not answer_correct(rec("Thu 15.300.000.000đ, đạt 268,43%", refused=True), q())


def test_answer_correct_unanswerable_means_refused() -> None:
    u = q("u1", "unanswerable", answerable=False)
    assert answer_correct(rec("Các báo cáo hiện có không nêu thông tin này.", refused=True), u)
    assert not answer_correct(rec("Có, là 12 tỷ đồng."), u)


def test_accuracy_and_empty() -> None:
    assert accuracy([rec("15.300.000.000 268,43%"), rec("x")], [q(), q("q2")]) == 0.5
    with pytest.raises(ValueError):
        accuracy([], [])
    with pytest.raises(ValueError, match="aligned"):
        accuracy([rec()], [])


# ------------------------------------------------------------------------ retrieval


def test_retrieval_rank_first_passage_with_any_evidence() -> None:
    texts = [
        "không liên quan",
        "THU NGÂN SÁCH phường ước:  15.300.000.000đ đạt 268,43% kế hoạch và",
        EVIDENCE,
    ]
    assert retrieval_rank(texts, [EVIDENCE]) == 2
    assert retrieval_rank(texts, ["không có", "không liên quan"]) == 1
    assert retrieval_rank(texts, ["nội dung khác"]) is None
    assert retrieval_rank([], [EVIDENCE]) is None


def test_retrieval_rank_tone_placement_and_nfd() -> None:
    texts = [unicodedata.normalize("NFD", "Tỷ lệ gia đình văn hoá đạt 96,9%")]
    assert retrieval_rank(texts, ["gia đình văn hóa đạt 96,9%"]) == 1


def test_retrieval_rank_rejects_empty_evidence() -> None:
    with pytest.raises(ValueError):
        retrieval_rank(["a"], [])
    with pytest.raises(ValueError):
        retrieval_rank(["a"], ["  "])


def test_hit_at() -> None:
    ranks = [1, 3, None, 6]
    assert hit_at(ranks, 1) == 0.25
    assert hit_at(ranks, 5) == 0.5
    assert hit_at(ranks, 10) == 0.75
    with pytest.raises(ValueError):
        hit_at([], 5)
    with pytest.raises(ValueError):
        hit_at(ranks, 0)


def test_mrr_at() -> None:
    assert mrr_at([1, 2, None, 4], 10) == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)
    assert mrr_at([1, 2, None, 4], 3) == pytest.approx((1 + 0.5) / 4)
    assert mrr_at([None], 10) == 0.0
    with pytest.raises(ValueError):
        mrr_at([], 10)


# ------------------------------------------------------------------------ citations, refusals


def test_citation_precision() -> None:
    good, bad = cite(EVIDENCE + " và bằng 82,71%"), cite("Chi ngân sách phường ước: 5.700.000.000đ", 2)
    records = [
        rec("a", citations=[good, bad]),  # 1 of 2
        rec("b", citations=[good]),  # 1 of 1
        rec("c", refused=True, citations=[bad]),  # refused: not counted
        rec("d", citations=[bad]),  # unanswerable: not counted
    ]
    questions = [q("q1"), q("q2"), q("q3"), q("q4", "unanswerable", answerable=False)]
    assert citation_precision(records, questions) == pytest.approx(2 / 3)


def test_citation_precision_comparison_accepts_any_wards_evidence() -> None:
    cq = q("c1", "comparison", evidence=["Xương Giang đạt 96,9%", "Ngô Quyền đạt 95%"], must_contain=[])
    records = [
        rec("so sánh", citations=[cite("... Ngô Quyền đạt 95% ...", 1), cite("Xương Giang đạt 96,9%", 2)])
    ]
    assert citation_precision(records, [cq]) == 1.0


def test_citation_precision_empty() -> None:
    with pytest.raises(ValueError):
        citation_precision([], [])
    with pytest.raises(ValueError):  # answerable but no citations anywhere
        citation_precision([rec("x")], [q()])


def test_refusal_recall_and_false_refusal_rate() -> None:
    u1, u2 = q("u1", "unanswerable", answerable=False), q("u2", "unanswerable", answerable=False)
    a1, a2 = q("a1"), q("a2")
    records = [rec(refused=True), rec(refused=False), rec(refused=True), rec(refused=False)]
    questions = [u1, u2, a1, a2]
    assert refusal_recall(records, questions) == 0.5
    assert false_refusal_rate(records, questions) == 0.5
    with pytest.raises(ValueError):
        refusal_recall([rec()], [a1])  # no unanswerable question
    with pytest.raises(ValueError):
        false_refusal_rate([rec()], [u1])  # no answerable question
    with pytest.raises(ValueError):
        refusal_recall([], [])


def test_percentile() -> None:
    assert percentile([5.0], 50) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([4.0, 1.0, 3.0, 2.0], 0) == 1.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 100) == 4.0
    assert percentile(list(map(float, range(1, 101))), 95) == pytest.approx(95.05)
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


# ------------------------------------------------------------------------ summary


def test_question_rank_falls_back_to_citations_only_without_retrieved() -> None:
    assert question_rank(rec("x", retrieved=[passage("khác"), passage(EVIDENCE, 1)]), q()) == 2
    assert question_rank(rec("x", citations=[cite(EVIDENCE)]), q()) == 1  # comparison-style record
    assert question_rank(rec("x", refused=True, citations=[cite(EVIDENCE)]), q()) is None


def test_summarise_overall_and_per_category() -> None:
    questions = [
        q("q1"),
        q("q2", "fact_text", must_contain=["268,43%"]),
        q("u1", "unanswerable", answerable=False),
    ]
    records = [
        rec(
            "15.300.000.000đ, 268,43% [1]",
            citations=[cite(EVIDENCE)],
            retrieved=[passage(EVIDENCE)],
            latency=10,
            qid="q1",
        ),
        rec(
            "Không nêu.",
            refused=True,
            retrieved=[passage("khác"), passage("x"), passage(EVIDENCE)],
            latency=30,
            qid="q2",
        ),
        rec("Không nêu.", refused=True, latency=20, qid="u1"),
    ]
    s = summarise(records, questions)
    o = s["overall"]
    assert (o["questions"], o["answerable"], o["unanswerable"], o["with_evidence"]) == (3, 2, 1, 2)
    assert o["accuracy"] == 0.5
    assert o["accuracy_all"] == pytest.approx(2 / 3)
    assert o["hit@1"] == 0.5 and o["hit@3"] == 1.0 and o["hit@5"] == 1.0
    assert o["mrr@10"] == pytest.approx((1 + 1 / 3) / 2)
    assert o["citation_precision"] == 1.0
    assert o["refusal_recall"] == 1.0
    assert o["false_refusal_rate"] == 0.5
    assert o["latency_p50_ms"] == 20.0
    cats = s["by_category"]
    assert set(cats) == {"fact_number", "fact_text", "unanswerable"}
    assert cats["fact_number"]["accuracy"] == 1.0
    assert cats["unanswerable"]["accuracy"] is None  # no answerable question there
    assert cats["unanswerable"]["accuracy_category"] == 1.0
    assert cats["unanswerable"]["hit@5"] is None
    assert [w["id"] for w in s["worst"]] == ["q2"]
    assert s["worst"][0]["kind"] == "false_refusal"


def test_summarise_rejects_empty() -> None:
    with pytest.raises(ValueError):
        summarise([], [])


def test_worst_failures_order() -> None:
    questions = [q("a"), q("b"), q("u", "unanswerable", answerable=False)]
    records = [
        rec("15.300.000.000", retrieved=[passage(EVIDENCE)]),  # one figure missing, retrieved
        rec("không liên quan"),  # nothing retrieved, nothing right
        rec("Có: 12 tỷ"),  # answered an unanswerable question
    ]
    worst = worst_failures(records, questions)
    assert [w["id"] for w in worst] == ["b", "u", "a"]
    assert worst[0]["kind"] == "missing_strings+retrieval_miss"
    assert worst[2]["missing"] == ["268,43%"]


def test_gate_failures() -> None:
    passing = {"overall": {k: (1.0 if op == ">=" else 0.0) for k, (op, _) in THRESHOLDS.items()}}
    assert gate_failures(passing) == []
    failing = {"overall": {**passing["overall"], "hit@5": 0.9, "false_refusal_rate": 0.2, "accuracy": None}}
    msgs = gate_failures(failing)
    assert len(msgs) == 3
    assert any(m.startswith("hit@5 = 0.900") for m in msgs)
    assert any(m.startswith("accuracy = n/a") for m in msgs)
