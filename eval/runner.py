"""Answer every question of an eval JSONL file and write one answer record per line.

A bad input line (invalid UTF-8 or JSON, wrong types, lone surrogates, schema error) is
reported with its line number and skipped — the rules are ``eval validate``'s; an exception while answering one question becomes a refused record with an
``eval_error`` note. Neither stops the run.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Protocol

from tqdm import tqdm

from assistant.types import AnswerRecord, Passage
from eval.schema import EvalQuestion, read_question_lines

TOP_RETRIEVED = 10
ERROR_NOTE = "eval_error"


class Answerer(Protocol):
    def ask(
        self, question: str, history: list[str] | None = None, filters: Any = None, qid: str = ""
    ) -> AnswerRecord: ...


def index_settings(data_dir: Path, **overrides: Any) -> Any:
    """Settings of an eval index under ``data_dir``: one sub-dir per embedding model (the tuned
    model's name changes with its pairs), no LLM, embedded Chroma."""
    from baocao.settings import load_settings
    from vectorstore.embeddings import vector_name

    settings = load_settings(
        data_dir=data_dir, llm_base_url=None, llm_model=None, chroma_host=None, **overrides
    )
    name = vector_name(settings)
    sub = hashlib.sha256(name.encode()).hexdigest()[:10]
    return settings.model_copy(update={"data_dir": data_dir / f"index-{sub}"})


def read_questions(path: Path) -> tuple[list[EvalQuestion], list[str]]:
    """Valid questions of a JSONL file, and one problem line per bad input line
    (the same rules as ``eval validate``: ``eval.schema.read_question_lines``)."""
    rows, problems = read_question_lines(path)
    return [r.question for r in rows], problems


def _json_line(data: dict[str, Any]) -> str:
    try:
        return json.dumps(data, ensure_ascii=False).encode("utf-8").decode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from somewhere: keep the line valid JSON
        return json.dumps(data, ensure_ascii=True)


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
            out.write(_json_line(record_line(rec)) + "\n")
            out.flush()
    return records, questions, problems
