"""Keep new train questions from copying a held-out one: the fixed rule applied before a file joins
``train``.

    python -m eval.near_duplicates NEW.jsonl --out KEPT.jsonl

A new question is dropped when it asks for the same thing as a held-out question (their evidence
overlaps, or both are unanswerable about the same wards) **and** is worded nearly the same (the
Jaccard similarity of their content syllables, diacritics folded, is at least ``NEAR``), or when it
repeats a train question word for word. The threshold was set before any question was read; the
folding was added after a first pass over ``train_paraphrase5`` (it only drops more). It is never
tuned to keep or drop a given line. Nothing is scored here: only the questions and their evidence
are compared.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from baocao.vntext import fold
from eval.blind_check import STOP, key
from eval.splits import HELDOUT_DIR, TRAIN_FILES

NEAR = 0.5


_STOP_FOLDED = frozenset(fold(w) for w in STOP)


def _words(text: str) -> set[str]:
    """Content syllables, without diacritics: a question typed unaccented is the same question."""
    return {fold(w) for w in re.findall(r"[^\W\d_]+", key(text))} - _STOP_FOLDED


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def _same_target(a: dict, b: dict) -> bool:
    if not a["answerable"] or not b["answerable"]:
        return not a["answerable"] and not b["answerable"] and set(a["wards"]) == set(b["wards"])
    ea = [key(e) for e in a["evidence"]]
    eb = [key(e) for e in b["evidence"]]
    return any(x in y or y in x for x in ea for y in eb)


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def near_duplicate(q: dict, heldout: list[dict], train_keys: set[str]) -> str | None:
    """Why ``q`` may not join train, or None."""
    if key(q["question"]) in train_keys:
        return "repeats a train question"
    words = _words(q["question"])
    for h in heldout:
        if _same_target(q, h) and _jaccard(words, _words(h["question"])) >= NEAR:
            return f"near {h['id']}: {h['question']}"
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    heldout = [q for p in sorted(HELDOUT_DIR.glob("*.jsonl")) for q in _read(p)]
    train_keys = {key(q["question"]) for p in TRAIN_FILES if p.exists() for q in _read(p)}
    new = _read(args.file)
    kept = []
    for q in new:
        why = near_duplicate(q, heldout, train_keys)
        if why:
            print(f"drop {q['id']} ({q['question']}): {why}")
        else:
            kept.append(q)
    args.out.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in kept), encoding="utf-8")
    print(f"kept {len(kept)} of {len(new)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
