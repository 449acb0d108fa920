"""Write the embedding model's tuning pairs from the ``train`` split.

    python -m eval fit-embedding [--questions eval/data/train*.jsonl] [--reports data/reports]

For every answerable one-ward train question with evidence: the sentence units of that ward's
report that hold the evidence (and an expected string, when the question has them) are its
positives; the units the untuned model ranks highest for it among the others are its hard
negatives. The pairs go to ``vectorstore/data/tuning_pairs.jsonl``, from which the model is
tuned when it is built (``vectorstore.tuning``). Then refit the ranker (``make fit``): its
dense signals belong to the tuned model. Only ``train`` is read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from assistant.retrieval import search_text
from baocao.settings import REPO_ROOT, load_settings
from eval.metrics import normalise
from eval.runner import read_questions
from eval.splits import TRAIN_FILES
from vectorstore.tuning import PAIRS_PATH, Pair, write_pairs

HARD_NEGATIVES = 3  # from the untuned model's 10 closest non-answers
MIN_UNIT_CHARS = 8


def positives(units: list[str], evidence: list[str], must: list[str]) -> list[int]:
    """Indices of the units that are (part of) an evidence passage and hold an expected string."""
    ev = [normalise(e) for e in evidence if e.strip()]
    want = [normalise(m) for m in must]
    out = []
    for i, text in enumerate(units):
        nt = normalise(text)
        if len(nt) < MIN_UNIT_CHARS:
            continue
        inside = any(nt in e for e in ev)
        if (inside or any(e[:50] in nt for e in ev)) and (inside or not want or any(m in nt for m in want)):
            out.append(i)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=Path, nargs="+", default=TRAIN_FILES)
    ap.add_argument("--reports", type=Path, default=REPO_ROOT / "data" / "reports")
    ap.add_argument("--data-dir", type=Path, default=REPO_ROOT / ".data" / "fit")
    ap.add_argument("--out", type=Path, default=PAIRS_PATH)
    args = ap.parse_args(argv)
    from ingest.pipeline import parse_file
    from vectorstore.embeddings import load_embedder
    from vectorstore.index import document_units

    settings = load_settings(
        data_dir=args.data_dir, embedding_tuning=False, llm_base_url=None, llm_model=None, chroma_host=None
    )
    units: dict[str, list[str]] = {}  # ward -> unit texts as embedded
    shown: dict[str, list[str]] = {}  # ward -> unit texts
    for path in sorted(p for p in args.reports.iterdir() if p.is_file()):
        parsed = parse_file(path, settings)
        got = document_units(parsed)
        units.setdefault(parsed.metadata.ward, []).extend(u.embed_text for u in got)
        shown.setdefault(parsed.metadata.ward, []).extend(u.text for u in got)
    emb = load_embedder(settings)
    vecs = {w: np.asarray(emb.embed_documents(ts), dtype=np.float32) for w, ts in units.items()}
    pairs: list[Pair] = []
    for path in args.questions:
        qs, problems = read_questions(path)
        for p in problems:
            print(f"{path}: {p}", file=sys.stderr)
        for q in qs:
            if (
                not q.answerable
                or q.history
                or len(q.wards) != 1
                or not q.evidence
                or q.wards[0] not in units
            ):
                continue
            w = q.wards[0]
            pos = positives(shown[w], list(q.evidence), list(q.must_contain))
            if not pos:
                continue
            query = search_text(q.question)
            sims = vecs[w] @ np.asarray(emb.embed_query(query), dtype=np.float32)
            near = [int(i) for i in np.argsort(-sims)[:10] if int(i) not in pos]
            pairs.append(
                Pair(
                    query,
                    tuple(units[w][i] for i in pos),
                    tuple(units[w][i] for i in near[:HARD_NEGATIVES]),
                    q.id,
                )
            )
    write_pairs(pairs, args.out)
    print(f"{len(pairs)} pairs from {len(args.questions)} train files -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
