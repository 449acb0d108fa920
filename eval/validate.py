"""Check an evaluation question file against the cleaned report texts.

``python -m eval validate FILE`` prints one line per problem (line number, id,
what is wrong) and exits 1, or prints the number of questions per category.

Evidence and ``must_contain`` are compared with :func:`baocao.vntext.match_key`
on both sides, so case, whitespace, Unicode form and tone-mark placement
("hoá"/"hóa") do not matter; everything else must be verbatim.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from baocao.vntext import match_key
from eval.schema import CATEGORIES, EvalQuestion, categories_of, read_question_lines

if TYPE_CHECKING:
    from baocao.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REPORTS_DIR = REPO_ROOT / "data" / "reports"


def load_clean_texts(settings: Settings, paths: Iterable[Path]) -> dict[str, str]:
    """File name -> cleaned text, exactly as ingest produces it (``ParsedDocument.text``)."""
    from ingest.pipeline import parse_file  # imported late: ingest is heavy and optional here

    return {Path(p).name: parse_file(Path(p), settings).text for p in paths}


def _where(lineno: int, qid: str | None) -> str:
    return f"line {lineno} ({qid})" if qid else f"line {lineno}"


def _check_row(q: EvalQuestion, keys: dict[str, str]) -> list[str]:
    """Problems of one parsed row (without the line prefix)."""
    problems: list[str] = []
    if q.category == "followup" and not q.history:
        problems.append("followup question without history")
    if q.category == "unanswerable" and q.answerable:
        problems.append("category unanswerable but answerable=true")
    if not q.answerable:
        if q.must_contain:
            problems.append("answerable=false with non-empty must_contain")
        if q.evidence:
            problems.append("answerable=false with non-empty evidence")
        return problems

    if not q.source:
        problems.append("answerable question without source")
    if not q.evidence:
        problems.append("answerable question without evidence")
    if not q.must_contain:
        problems.append("answerable question without must_contain")
    for s in (s for s in q.source if s not in keys):
        problems.append(f"unknown source file {s!r} (known: {', '.join(sorted(keys))})")
    source_keys = [keys[s] for s in q.source if s in keys]
    if not source_keys:
        return problems

    evidence_keys = []  # only spans really found in a source count as evidence for must_contain
    for ev in q.evidence:
        ek = match_key(ev)
        if not ek:
            problems.append("empty evidence string")
        elif any(ek in sk for sk in source_keys):
            evidence_keys.append(ek)
        else:
            problems.append(f"evidence not found in {'/'.join(q.source)}: {ev[:80]!r}")
    for item in q.must_contain:
        mk = match_key(item)
        if not mk:
            problems.append("empty must_contain string")
            continue
        if any(mk in ek for ek in evidence_keys):
            continue
        if any(mk in sk for sk in source_keys):
            problems.append(f"must_contain {item!r} is in the source but in none of the evidence spans")
        else:
            problems.append(f"must_contain {item!r} found in neither the evidence nor the source text")
    return problems


def validate_questions(path: Path, clean_texts: dict[str, str]) -> tuple[list[EvalQuestion], list[str]]:
    """Parse ``path`` (JSONL) and return (valid rows, human-readable problems).

    A line is valid for the runner exactly when it is valid here (``eval.schema``); on top
    of that, scored lines are checked against the cleaned report texts."""
    keys = {name: match_key(text) for name, text in clean_texts.items()}
    lines, problems = read_question_lines(path)
    for ql in lines:
        q = ql.question
        if q.scored:
            problems.extend(f"{_where(ql.lineno, q.id)}: {p}" for p in _check_row(q, keys))
    rows = [ql.question for ql in lines]
    if not rows and not problems:
        problems.append(f"{path}: no questions")
    return rows, problems


def category_counts(rows: Sequence[EvalQuestion]) -> dict[str, int]:
    """Questions per category (known ones first, then new labels); unscored lines apart."""
    scored = [q for q in rows if q.scored]
    counts: Counter[str] = Counter(q.category for q in scored)
    out = {c: counts[c] for c in CATEGORIES}
    out.update({c: counts[c] for c in categories_of(scored) if c not in CATEGORIES})
    unscored = len(rows) - len(scored)
    if unscored:
        out["(unscored)"] = unscored
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval validate", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="question file (JSONL)")
    parser.add_argument(
        "--reports",
        type=Path,
        default=DEFAULT_REPORTS_DIR,
        help="folder with the report files named in 'source' (default: data/reports)",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)

    from baocao.settings import load_settings

    if not args.file.is_file():
        print(f"Không tìm thấy tệp câu hỏi: {args.file}", file=sys.stderr)
        return 1
    report_paths = sorted(p for p in args.reports.iterdir() if p.is_file()) if args.reports.is_dir() else []
    if not report_paths:
        print(f"Không có báo cáo nào trong thư mục {args.reports}", file=sys.stderr)
        return 1
    clean = load_clean_texts(load_settings(), report_paths)
    rows, problems = validate_questions(args.file, clean)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) in {args.file}", file=sys.stderr)
        return 1
    counts = category_counts(rows)
    for cat, n in counts.items():
        print(f"{cat:14s} {n}")
    print(f"{'total':14s} {len(rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
