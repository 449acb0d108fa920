"""Evaluation question format (``../shared/CONTRACT.md``, "Evaluation question").

One definition of a valid question, shared by ``eval run`` (``eval.runner``) and
``eval validate`` (``eval.validate``): :func:`read_question_lines` reads a JSONL file line by
line and returns the valid rows and one problem per bad line (invalid UTF-8, invalid JSON,
not an object, wrong types, lone surrogates, empty question, duplicate id); a bad line is
reported and skipped, never fatal.

Only ``id`` and ``question`` are required. Any ``category`` label is accepted (a new one is
reported as its own category). A line that carries no expectation (no ``category``,
``must_contain``, ``evidence`` or ``answerable``) is answered and left unscored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

# Categories used so far (reports list them in this order); others may come.
CATEGORIES: tuple[str, ...] = (
    "fact_number",
    "fact_text",
    "list",
    "footnote",
    "doubled_text",
    "plan_2024",
    "comparison",
    "unanswerable",
    "followup",
    "table",
)
UNCATEGORISED = "other"
_SCORING_FIELDS = ("category", "must_contain", "evidence", "answerable")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _no_surrogates(v: str) -> str:
    if _SURROGATE_RE.search(v):
        raise ValueError("contains a lone surrogate (\\ud800-\\udfff), not valid Unicode text")
    return v


class EvalQuestion(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    id: str
    question: str
    history: list[str] = Field(default_factory=list)
    wards: list[str] = Field(default_factory=list)
    category: str = UNCATEGORISED
    must_contain: list[str] = Field(default_factory=list)
    answerable: bool = True
    evidence: list[str] = Field(default_factory=list)
    source: list[str] = Field(default_factory=list)

    @field_validator("id", "question", "category")
    @classmethod
    def _text(cls, v: str) -> str:
        return _no_surrogates(v)

    @field_validator("history", "wards", "must_contain", "evidence", "source")
    @classmethod
    def _texts(cls, v: list[str]) -> list[str]:
        return [_no_surrogates(s) for s in v]

    @field_validator("id", "question")
    @classmethod
    def _non_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("is empty")
        return v

    @property
    def scored(self) -> bool:
        """False for a line with only ``id`` and ``question`` (answered, not scored)."""
        return any(f in self.model_fields_set for f in _SCORING_FIELDS)


@dataclass
class QuestionLine:
    lineno: int
    question: EvalQuestion


def _where(lineno: int, qid: object) -> str:
    return (
        f"line {lineno} ({qid})"
        if isinstance(qid, str) and qid and not _SURROGATE_RE.search(qid)
        else f"line {lineno}"
    )


def parse_line(line: bytes | str, lineno: int) -> EvalQuestion:
    """One JSONL line → EvalQuestion; ValueError with a one-line reason otherwise."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"line {lineno}: not valid UTF-8 (byte {exc.start + 1})") from exc
    try:
        raw: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {lineno}: invalid JSON ({exc.msg}, column {exc.colno})") from exc
    except RecursionError as exc:
        raise ValueError(f"line {lineno}: invalid JSON (nested too deeply)") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"line {lineno}: expected a JSON object, got {type(raw).__name__}")
    try:
        return EvalQuestion.model_validate(raw)
    except ValidationError as exc:
        errs = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"{_where(lineno, raw.get('id'))}: schema error in {errs}") from exc


def read_question_lines(path: Path) -> tuple[list[QuestionLine], list[str]]:
    """Valid questions of a JSONL file (with line numbers) and one problem per bad line."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return [], [f"{path}: cannot read ({exc.strerror or exc})"]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    rows: list[QuestionLine] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            q = parse_line(line.rstrip(b"\r"), lineno)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if q.id in seen:
            problems.append(f"line {lineno} ({q.id}): duplicate id (first on line {seen[q.id]}), skipped")
            continue
        seen[q.id] = lineno
        rows.append(QuestionLine(lineno, q))
    return rows, problems


def categories_of(questions: list[EvalQuestion]) -> list[str]:
    """Known categories first (in their order), then new labels as they appear."""
    seen = list(dict.fromkeys(q.category for q in questions))
    return [c for c in CATEGORIES if c in seen] + [c for c in seen if c not in CATEGORIES]
