"""Answer every question of an eval JSONL file and write one answer record per line.

A bad input line (invalid JSON, schema error) is reported with its line number and
skipped; an exception while answering one question becomes a refused record with an
``eval_error`` note. Neither stops the run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError
from tqdm import tqdm

from assistant.types import AnswerRecord, Passage
from eval.schema import EvalQuestion

TOP_RETRIEVED = 10
ERROR_NOTE = "eval_error"


class Answerer(Protocol):
    def ask(
        self, question: str, history: list[str] | None = None, filters: Any = None, qid: str = ""
    ) -> AnswerRecord: ...


def read_questions(path: Path) -> tuple[list[EvalQuestion], list[str]]:
    """Valid questions of a JSONL file, and one problem line per bad input line."""
    questions: list[EvalQuestion] = []
    problems: list[str] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"line {lineno}: invalid JSON ({exc.msg} at column {exc.colno})")
                continue
            try:
                q = EvalQuestion.model_validate(raw)
            except ValidationError as exc:
                errs = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors())
                qid = raw.get("id") if isinstance(raw, dict) else None
                where = f"line {lineno} ({qid})" if qid else f"line {lineno}"
                problems.append(f"{where}: schema error: {errs}")
                continue
            if q.id in seen:
                problems.append(f"line {lineno} ({q.id}): duplicate id, skipped")
                continue
            seen.add(q.id)
            questions.append(q)
    return questions, problems


def compact_passage(p: Passage) -> dict[str, Any]:
    return {"chunk_id": p.chunk_id, "section": p.section, "source": p.source, "ward": p.ward, "text": p.text}


def record_line(record: AnswerRecord) -> dict[str, Any]:
    """The contract fields plus the top passages, so metrics can be recomputed from the file."""
    out = record.contract_dict()
    out["retrieved"] = [compact_passage(p) for p in record.retrieved[:TOP_RETRIEVED]]
    return out


def record_from_line(row: dict[str, Any]) -> AnswerRecord:
    """Inverse of :func:`record_line` (retrieved passages come back without document ids)."""
    data = dict(row)
    retrieved = [Passage(doc_id="", **p) for p in data.pop("retrieved", []) or []]
    rec = AnswerRecord.model_validate(data)
    rec.retrieved = retrieved
    return rec


def load_records(path: Path) -> list[AnswerRecord]:
    with open(path, encoding="utf-8") as fh:
        return [record_from_line(json.loads(line)) for line in fh if line.strip()]


def _error_record(q: EvalQuestion, exc: BaseException) -> AnswerRecord:
    return AnswerRecord(
        id=q.id,
        question=q.question,
        answer=f"(lỗi khi trả lời: {type(exc).__name__}: {exc})",
        refused=True,
        notes=[f"{ERROR_NOTE}: {type(exc).__name__}: {exc}"],
    )


def run_questions(
    assistant: Answerer, questions_path: Path, out_path: Path, desc: str = "eval"
) -> tuple[list[AnswerRecord], list[EvalQuestion], list[str]]:
    """Answer every valid question of ``questions_path``; write records to ``out_path``.

    Returns the records, the questions they answer (aligned) and the problems (bad
    lines, failed questions), each of which was also printed to stderr.
    """
    questions, problems = read_questions(Path(questions_path))
    for p in problems:
        print(f"{questions_path}: {p}", file=sys.stderr)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    records: list[AnswerRecord] = []
    with open(out_path, "w", encoding="utf-8") as out:
        for q in tqdm(questions, desc=desc, unit="q", file=sys.stderr, dynamic_ncols=True):
            try:
                rec = assistant.ask(q.question, list(q.history), qid=q.id)
                rec.id = rec.id or q.id
            except Exception as exc:  # one broken question must not stop the run
                rec = _error_record(q, exc)
                msg = f"{q.id}: error while answering: {type(exc).__name__}: {exc}"
                problems.append(msg)
                tqdm.write(f"{questions_path}: {msg}", file=sys.stderr)
            records.append(rec)
            out.write(json.dumps(record_line(rec), ensure_ascii=False) + "\n")
            out.flush()
    return records, questions, problems
