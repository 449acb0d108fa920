"""Comparisons checked ward by ward (stricter than ``answer_correct``).

    python -m eval compare-check [--questions eval/data/heldout/compare.jsonl] [--work DIR]

A comparison is right when every ward's row shows that ward's own figure — the expected
string of the evidence taken from that ward's report — and a ward whose report lacks the
indicator is said to lack it (no figure shown); an unanswerable comparison is refused.
``answer_correct`` only asks that the expected strings occur somewhere in the answer, so a
figure of ward A found in ward B's quoted sentence passes there and fails here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from baocao.settings import REPO_ROOT
from baocao.vntext import match_key
from eval.heldout import HELDOUT_DIR, build_index, heldout_set
from eval.runner import read_questions


def ward_expectations(question: Any, reports: dict[str, str], ward_of: dict[str, str]) -> dict[str, str]:
    """Ward -> the expected string its row must show (from the evidence found in its report)."""
    out: dict[str, str] = {}
    for m in question.must_contain:
        for ev in question.evidence:
            if m in ev:
                for name, text in reports.items():
                    if ev in text and name in ward_of:
                        out[ward_of[name]] = m
    return out


def row_ok(rows: list[dict[str, Any]], expected: str | None) -> bool:
    shown = [r for r in rows if not r.get("refused")]
    if expected is None:
        return not shown
    key = match_key(expected)
    texts = [match_key(f"{r.get('figure') or ''} {r.get('quote') or ''}") for r in shown]
    return bool(texts) and all(key in t for t in texts)


def check(record: Any, question: Any, reports: dict[str, str], ward_of: dict[str, str]) -> bool:
    if not question.answerable:
        return bool(record.refused)
    rows: dict[str, list[dict[str, Any]]] = {}
    for row in record.comparison or []:
        rows.setdefault(str(row.get("ward")), []).append(row)
    expected = ward_expectations(question, reports, ward_of)
    return all(row_ok(rows.get(w, []), expected.get(w)) for w in sorted(set(ward_of.values())))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval compare-check", description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=Path, default=HELDOUT_DIR / "compare.jsonl")
    ap.add_argument("--work", type=Path, default=REPO_ROOT / ".data" / "heldout" / "index-samples")
    args = ap.parse_args(argv)
    from assistant.service import Assistant

    hs = heldout_set("compare")
    settings, index = build_index(hs, args.work)
    docs = index.documents()
    ward_of = {Path(d.source).name: d.ward for d in docs.values()}
    reports = {p.name: p.read_text(encoding="utf-8") for p in hs.reports.iterdir() if p.name in ward_of}
    asst = Assistant(settings, index=index, use_llm=False)
    questions, problems = read_questions(args.questions)
    for p in problems:
        print(p, file=sys.stderr)
    held_out = args.questions.resolve().is_relative_to(HELDOUT_DIR.resolve())
    right = 0
    for q in questions:
        rec = asst.ask(q.question, list(q.history))
        ok = check(rec, q, reports, ward_of)
        right += ok
        if not ok and not held_out:  # a held-out set is only reported: its misses are not listed
            print(f"sai: {q.id} {q.question}", file=sys.stderr)
    index.close()
    print(
        f"{args.questions.name}: {right}/{len(questions)} = {right / max(1, len(questions)):.3f} (từng phường)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
