"""Evaluation metrics: small pure functions over answer records and eval questions.

Every comparison of text uses :func:`normalise` (``baocao.vntext.match_key``):
case, runs of whitespace, Unicode form (NFC/NFD) and tone-mark placement
("hoá"/"hóa") do not matter; anything else — including how a figure writes its
thousands and decimal separators — must match exactly.

Functions that return a mean or a share raise ``ValueError`` when there is
nothing to average over (an empty input, or no item the metric applies to),
instead of inventing a 0 or a 1. :func:`summarise` catches that and reports
``None`` for such a metric.

Records and questions passed together are *aligned*: ``records[i]`` answers
``questions[i]`` (see :func:`align` for records read back from a file).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from assistant.types import AnswerRecord
from baocao.vntext import match_key
from eval.schema import EvalQuestion, categories_of

RETRIEVAL_KS = (1, 3, 5, 10)


def normalise(text: str) -> str:
    """The form in which answers, passages and expected strings are compared."""
    return match_key(text)


def contains_all(answer: str, must_contain: Sequence[str]) -> bool:
    """True when every expected string occurs in ``answer`` (after normalisation).

    An empty ``must_contain`` is trivially satisfied.
    """
    key = normalise(answer)
    return all(normalise(s) in key for s in must_contain)


def missing_strings(answer: str, must_contain: Sequence[str]) -> list[str]:
    """The expected strings that do not occur in ``answer``."""
    key = normalise(answer)
    return [s for s in must_contain if normalise(s) not in key]


def answer_correct(record: AnswerRecord, question: EvalQuestion) -> bool:
    """Answerable: not refused and every ``must_contain`` string in the answer. Unanswerable: refused."""
    if not question.answerable:
        return record.refused
    return not record.refused and contains_all(record.answer, question.must_contain)


def contains_any(text: str, needles: Sequence[str]) -> bool:
    key = normalise(text)
    return any(normalise(n) in key for n in needles if n.strip())


def retrieval_rank(passage_texts: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first passage containing any evidence string, else ``None``.

    Raises ``ValueError`` when ``evidence`` is empty (a rank would be meaningless).
    """
    needles = [normalise(e) for e in evidence if e.strip()]
    if not needles:
        raise ValueError("retrieval_rank: no evidence strings")
    for i, text in enumerate(passage_texts, start=1):
        key = normalise(text)
        if any(n in key for n in needles):
            return i
    return None


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")


def hit_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions whose first relevant passage is within the top ``k``. Empty → ValueError."""
    _check_k(k)
    if not ranks:
        raise ValueError("hit_at: no ranks")
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr_at(ranks: Sequence[int | None], k: int) -> float:
    """Mean reciprocal rank, counting ranks beyond ``k`` (or ``None``) as 0. Empty → ValueError."""
    _check_k(k)
    if not ranks:
        raise ValueError("mrr_at: no ranks")
    return sum(1.0 / r for r in ranks if r is not None and r <= k) / len(ranks)


def _aligned(records: Sequence[AnswerRecord], questions: Sequence[EvalQuestion]) -> None:
    if len(records) != len(questions):
        raise ValueError(f"{len(records)} records for {len(questions)} questions (must be aligned)")


def citation_precision(records: Sequence[AnswerRecord], questions: Sequence[EvalQuestion]) -> float:
    """Share of citations whose passage text contains an evidence string of the question.

    Counted over answerable questions with evidence whose answer is not refused and
    has citations (for a comparison any of the wards' evidence strings counts).
    ValueError when no such citation exists.
    """
    _aligned(records, questions)
    good = total = 0
    for rec, q in zip(records, questions, strict=True):
        if not q.answerable or rec.refused or not rec.citations or not q.evidence:
            continue
        for c in rec.citations:
            total += 1
            good += contains_any(c.text, q.evidence)
    if total == 0:
        raise ValueError("citation_precision: no citations on answerable, non-refused answers")
    return good / total


def refusal_recall(records: Sequence[AnswerRecord], questions: Sequence[EvalQuestion]) -> float:
    """Share of unanswerable questions that were refused. ValueError when there are none."""
    _aligned(records, questions)
    flags = [rec.refused for rec, q in zip(records, questions, strict=True) if not q.answerable]
    if not flags:
        raise ValueError("refusal_recall: no unanswerable questions")
    return sum(flags) / len(flags)


def false_refusal_rate(records: Sequence[AnswerRecord], questions: Sequence[EvalQuestion]) -> float:
    """Share of answerable questions that were refused. ValueError when there are none."""
    _aligned(records, questions)
    flags = [rec.refused for rec, q in zip(records, questions, strict=True) if q.answerable]
    if not flags:
        raise ValueError("false_refusal_rate: no answerable questions")
    return sum(flags) / len(flags)


def accuracy(records: Sequence[AnswerRecord], questions: Sequence[EvalQuestion]) -> float:
    """Share of questions answered correctly (:func:`answer_correct`). Empty → ValueError."""
    _aligned(records, questions)
    if not records:
        raise ValueError("accuracy: no questions")
    return sum(answer_correct(r, q) for r, q in zip(records, questions, strict=True)) / len(records)


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100), linear interpolation between closest ranks. Empty → ValueError."""
    if not values:
        raise ValueError("percentile: no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile: p must be within [0, 100], got {p}")
    xs = sorted(values)
    pos = (len(xs) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


# ------------------------------------------------------------------------ per-question detail


def ranked_texts(record: AnswerRecord) -> list[str]:
    """Passage texts in rank order: ``retrieved``; for a non-refused answer with no
    ``retrieved`` (a comparison merges per-ward answers), its cited passages."""
    if record.retrieved:
        return [p.text for p in record.retrieved]
    if not record.refused:
        return [c.text for c in record.citations]
    return []


def question_rank(record: AnswerRecord, question: EvalQuestion) -> int | None:
    """Retrieval rank for one answerable question with evidence (ValueError otherwise)."""
    if not question.answerable:
        raise ValueError(f"{question.id}: unanswerable questions have no retrieval rank")
    return retrieval_rank(ranked_texts(record), question.evidence)


def has_retrieval_target(question: EvalQuestion) -> bool:
    return question.answerable and any(e.strip() for e in question.evidence)


def failure_detail(record: AnswerRecord, question: EvalQuestion) -> dict[str, Any]:
    """What went wrong with one question (``severity`` 0 = correct)."""
    rank = question_rank(record, question) if has_retrieval_target(question) else None
    missing = missing_strings(record.answer, question.must_contain) if question.answerable else []
    correct = answer_correct(record, question)
    severity = 0.0
    if not correct:
        if not question.answerable:
            kind, severity = "answered_unanswerable", 2.5
        elif record.refused:
            kind, severity = "false_refusal", 2.0
        else:
            kind = "missing_strings"
            severity = 1.0 + len(missing) / max(1, len(question.must_contain))
        if has_retrieval_target(question) and rank is None:
            severity += 1.0
            kind += "+retrieval_miss"
    else:
        kind = "ok"
    return {
        "id": question.id,
        "category": question.category,
        "question": question.question,
        "history": list(question.history),
        "expected": list(question.must_contain) if question.answerable else ["(refusal)"],
        "got": record.answer,
        "refused": record.refused,
        "missing": missing,
        "rank": rank,
        "kind": kind,
        "severity": severity,
    }


def worst_failures(
    records: Sequence[AnswerRecord], questions: Sequence[EvalQuestion], n: int = 10
) -> list[dict[str, Any]]:
    """The ``n`` most severe failures (retrieval misses and refusals first)."""
    _aligned(records, questions)
    details = [failure_detail(r, q) for r, q in zip(records, questions, strict=True)]
    bad = [d for d in details if d["severity"] > 0]
    bad.sort(key=lambda d: (-d["severity"], d["id"]))
    return bad[:n]


# ------------------------------------------------------------------------------ summary


def _safe(fn: Callable[[], float]) -> float | None:
    try:
        return fn()
    except ValueError:
        return None


def _block(records: Sequence[AnswerRecord], questions: Sequence[EvalQuestion]) -> dict[str, Any]:
    answerable = [(r, q) for r, q in zip(records, questions, strict=True) if q.answerable]
    ranks = [question_rank(r, q) for r, q in answerable if has_retrieval_target(q)]
    latencies = [r.latency_ms for r in records]
    ans_r = [r for r, _ in answerable]
    ans_q = [q for _, q in answerable]
    out: dict[str, Any] = {
        "questions": len(questions),
        "answerable": len(answerable),
        "unanswerable": len(questions) - len(answerable),
        "with_evidence": len(ranks),
        "accuracy": _safe(lambda: accuracy(ans_r, ans_q)),
        "accuracy_all": _safe(lambda: accuracy(records, questions)),
        "citation_precision": _safe(lambda: citation_precision(records, questions)),
        "refusal_recall": _safe(lambda: refusal_recall(records, questions)),
        "false_refusal_rate": _safe(lambda: false_refusal_rate(records, questions)),
        "mrr@10": _safe(lambda: mrr_at(ranks, 10)),
        "latency_p50_ms": _safe(lambda: percentile(latencies, 50)),
        "latency_p95_ms": _safe(lambda: percentile(latencies, 95)),
    }
    for k in RETRIEVAL_KS:
        out[f"hit@{k}"] = _safe(lambda k=k: hit_at(ranks, k))  # type: ignore[misc]
    return out


def summarise(records: Sequence[AnswerRecord], questions: Sequence[EvalQuestion]) -> dict[str, Any]:
    """Every metric overall and per category (``None`` where a metric does not apply).

    ``accuracy`` is over answerable questions; ``accuracy_all`` counts a refusal of an
    unanswerable question as correct. Retrieval metrics (hit@k, MRR@10) are over
    answerable questions with evidence; a record's ``retrieved`` passages are ranked
    (for a comparison with none, its cited passages; for a refusal with none, rank None).
    """
    _aligned(records, questions)
    if not records:
        raise ValueError("summarise: no questions")
    per_cat: dict[str, Any] = {}
    for cat in categories_of(list(questions)):  # a new label is reported as its own category
        pairs = [(r, q) for r, q in zip(records, questions, strict=True) if q.category == cat]
        if pairs:
            rs, qs = zip(*pairs, strict=True)
            per_cat[cat] = _block(list(rs), list(qs))
            per_cat[cat]["accuracy_category"] = accuracy(list(rs), list(qs))
    notes = [
        r.id or q.id
        for r, q in zip(records, questions, strict=True)
        if any("eval_error" in n for n in r.notes)
    ]
    return {
        "overall": _block(records, questions),
        "by_category": per_cat,
        "errors": notes,
        "worst": worst_failures(records, questions, n=10),
    }


def align(
    records: Iterable[AnswerRecord], questions: Sequence[EvalQuestion]
) -> tuple[list[AnswerRecord], list[EvalQuestion]]:
    """Pair records with questions by id (questions without a record are dropped)."""
    by_id = {r.id: r for r in records}
    pairs = [(by_id[q.id], q) for q in questions if q.id in by_id]
    return [r for r, _ in pairs], [q for _, q in pairs]


# ------------------------------------------------------------------------ regression gate

# metric -> (comparison, threshold); the hybrid assistant must meet every one.
THRESHOLDS: dict[str, tuple[str, float]] = {
    "accuracy": (">=", 0.90),
    "refusal_recall": (">=", 0.90),
    "false_refusal_rate": ("<=", 0.05),
    "citation_precision": (">=", 0.95),
    "hit@5": (">=", 0.95),
}


def gate_failures(
    summary: dict[str, Any], thresholds: dict[str, tuple[str, float]] = THRESHOLDS
) -> list[str]:
    """One line per threshold the summary misses (a metric that could not be computed fails)."""
    out = []
    for key, (op, limit) in thresholds.items():
        value = summary["overall"].get(key)
        ok = value is not None and (value >= limit if op == ">=" else value <= limit)
        if not ok:
            shown = "n/a" if value is None else f"{value:.3f}"
            out.append(f"{key} = {shown} (needs {op} {limit:.2f})")
    return out
