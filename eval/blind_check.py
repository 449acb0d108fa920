"""The checker handed to a blind question writer, alone (no project imports), with the cleaned
report texts beside it (``*.txt`` in its folder, or ``--reports DIR``). Used for
``heldout/paraphrase5``.

    python3 blind_check.py FILE.jsonl [--reports DIR]

Every line needs the eval fields (``eval.schema``); ``evidence`` must be verbatim in a
``source`` report (case and spacing aside), each ``must_contain`` inside the evidence, and an
answerable question worded as people talk shares at most ``MAX_SHARED`` content syllables (one
compound word) with its evidence. Exit status 1 when a line has a problem.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

FIELDS = (
    "id",
    "question",
    "history",
    "wards",
    "category",
    "must_contain",
    "answerable",
    "evidence",
    "source",
)
MAX_SHARED = 2
# function words, question words and the sample wards' names: sharing them is not sharing content
STOP = frozenset(
    """của và là có được các những cho với trong ở tại năm bao nhiêu gì nào ai đâu khi mấy bị đã
    đang sẽ này đó kia thì mà như thế ra vào lên về theo từ đến tới một hai ba bốn không chưa hay
    hoặc nhiều ít phường xã xương giang ngô quyền báo cáo vậy nhỉ ạ à ơi nhé bên chỗ cái con người
    làm""".split()  # noqa: SIM905
)


def key(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).lower()).strip()


def syllables(text: str) -> set[str]:
    return {w for w in re.findall(r"[^\W\d_]+", key(text)) if w not in STOP}


def problems(line: str, texts: dict[str, str], seen: set[str]) -> list[str]:
    try:
        q = json.loads(line)
    except ValueError as err:
        return [f"not JSON: {err}"]
    missing = [k for k in FIELDS if k not in q]
    if missing:
        return [f"missing {missing}"]
    out = []
    if q["id"] in seen:
        out.append("duplicate id")
    seen.add(q["id"])
    out += [f"unknown source {s}" for s in q["source"] if s not in texts]
    if not q["answerable"]:
        if q["evidence"] or q["must_contain"]:
            out.append("unanswerable: leave evidence and must_contain empty")
        return out
    if not q["evidence"] or not q["must_contain"]:
        out.append("answerable needs evidence and must_contain")
    for ev in q["evidence"]:
        if not any(key(ev) in texts.get(s, "") for s in q["source"]):
            out.append(f"evidence not verbatim: {ev[:60]}")
    out += [
        f"must_contain not in evidence: {m}"
        for m in q["must_contain"]
        if not any(key(m) in key(e) for e in q["evidence"])
    ]
    shared = syllables(q["question"]) & syllables(" ".join(q["evidence"]))
    if len(shared) > MAX_SHARED:
        out.append(f"shares {len(shared)} content syllables with evidence: {sorted(shared)}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--reports", type=Path, default=Path(__file__).parent)
    args = ap.parse_args(argv)
    texts = {p.name: key(p.read_text(encoding="utf-8")) for p in args.reports.glob("*.txt")}
    seen: set[str] = set()
    n = bad = 0
    for i, line in enumerate(args.file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        n += 1
        for p in problems(line, texts, seen):
            print(f"line {i}: {p}")
            bad += 1
    print(f"{n} questions, {bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
