"""Regression gate: the hybrid assistant on the dev set must meet every threshold.

Real index over ``data/reports`` (``sample_index`` in ``tests/conftest.py``), real
default embedding model, grounded answers (no LLM). The failure message lists the
metrics that missed and the worst questions (question / expected / got).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from baocao.settings import Settings
from eval.metrics import THRESHOLDS, gate_failures, summarise
from eval.runner import run_questions
from vectorstore.index import Index

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_SET = REPO_ROOT / "eval" / "data" / "dev.jsonl"


def _short(text: str, limit: int = 300) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def test_hybrid_assistant_meets_the_gate_on_the_dev_set(
    sample_index: tuple[Settings, Index], tmp_path: Path
) -> None:
    from assistant.service import Assistant

    if not DEV_SET.is_file():
        pytest.skip(f"{DEV_SET} not written yet")
    settings, index = sample_index
    assistant = Assistant(settings, index=index, retrieval_mode="hybrid", use_llm=False)
    records, questions, problems = run_questions(assistant, DEV_SET, tmp_path / "answers.jsonl", desc="gate")
    assert questions, "the dev set has no valid question"
    assert not problems, "problems while reading/answering the dev set:\n" + "\n".join(problems)

    summary = summarise(records, questions)
    failed = gate_failures(summary)
    o = summary["overall"]
    lines = [
        "regression gate failed: " + "; ".join(failed),
        "thresholds: " + ", ".join(f"{k} {op} {v}" for k, (op, v) in THRESHOLDS.items()),
        "overall: " + ", ".join(f"{k}={o[k]:.3f}" for k in THRESHOLDS if o.get(k) is not None),
        "worst questions:",
    ]
    for d in summary["worst"]:
        q = " → ".join([*d["history"], d["question"]])
        lines.append(
            f"  [{d['id']} {d['category']} {d['kind']} rank={d['rank']}] {q}\n"
            f"      expected: {d['expected']}\n      got: {_short(d['got'])}"
        )
    assert not failed, "\n".join(lines)
