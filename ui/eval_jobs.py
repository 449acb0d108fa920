"""Evaluation runs for the "Kiểm định" page: question sheets in, scored runs in the background.

Sheets are JSONL (the eval format) or Excel/CSV with Vietnamese or English column names:
question ("câu hỏi"), expected figures/words ("cần có", ";"-separated), ward ("phường/xã"),
"không có trong báo cáo" (x/có/1 = the reports do not answer it), and optionally id, category
("loại"), earlier turns ("hỏi trước", one per line) and evidence ("đoạn dẫn chứng").

A run answers with ``eval.runner.run_questions`` and scores with ``eval.metrics.summarise`` — the
same code as ``python -m eval run`` — in a background thread, so a long run never holds up
anybody's questions.
"""

from __future__ import annotations

import io
import json
import logging
import re
import tempfile
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from assistant.types import AnswerRecord
from eval.metrics import failure_detail, summarise
from eval.runner import Answerer, read_questions, run_questions
from eval.schema import CATEGORIES, EvalQuestion

log = logging.getLogger(__name__)

MAX_QUESTIONS = 2000
_COLUMNS = {
    "question": ("câu hỏi", "cau hoi", "question", "hỏi"),
    "expected": ("cần có", "can co", "số liệu/từ cần có", "đáp án", "dap an", "expected", "must_contain", "kết quả mong đợi"),
    "ward": ("phường/xã", "phuong/xa", "phường", "xã", "địa bàn", "ward", "wards"),
    "unanswerable": ("không có trong báo cáo", "khong co trong bao cao", "unanswerable", "không có"),
    "id": ("id", "mã", "stt", "mã câu hỏi"),
    "category": ("loại", "loai", "category", "nhóm"),
    "history": ("hỏi trước", "hoi truoc", "history", "câu hỏi trước"),
    "evidence": ("đoạn dẫn chứng", "dẫn chứng", "evidence"),
}  # fmt: skip
_TRUE = {"x", "có", "co", "1", "true", "yes", "đúng", "dung", "v", "✓", "không có"}


class SheetError(ValueError):
    """A sheet that cannot be used (message in Vietnamese)."""


def _key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(name)).strip().lower().split())


def _column_map(columns: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for col in columns:
        k = _key(col)
        for field_name, names in _COLUMNS.items():
            if field_name not in found and k in names:
                found[field_name] = col
    return found


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;\n]|\|\|", text) if p.strip()]


def questions_from_rows(
    rows: list[dict[str, Any]], columns: list[str]
) -> tuple[list[EvalQuestion], list[str]]:
    cols = _column_map(columns)
    if "question" not in cols:
        raise SheetError(
            "Không thấy cột câu hỏi. Bảng cần các cột: “câu hỏi”, “cần có” (số liệu/từ, cách nhau bởi ;), "
            "“phường/xã”, “không có trong báo cáo” (đánh x nếu báo cáo không nêu)."
        )
    out: list[EvalQuestion] = []
    problems: list[str] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=2):  # row 1 holds the headers
        get = {f: _cell(row.get(c)) for f, c in cols.items()}
        if not get.get("question"):
            continue
        must = _split(get.get("expected", ""))
        unanswerable = _key(get.get("unanswerable", "")) in _TRUE
        qid = get.get("id") or f"dong{n}"
        if qid in seen:
            qid = f"{qid}-dong{n}"
        seen.add(qid)
        category = get.get("category", "")
        if category not in CATEGORIES:
            category = (
                "unanswerable"
                if unanswerable
                else (
                    "followup"
                    if get.get("history")
                    else ("fact_number" if re.search(r"\d", " ".join(must)) else "fact_text")
                )
            )
        evidence = _split(get.get("evidence", "")) or ([] if unanswerable else must)
        try:
            out.append(
                EvalQuestion(
                    id=qid,
                    question=get["question"],
                    history=[h for h in get.get("history", "").split("\n") if h.strip()],
                    wards=_split(get.get("ward", "")),
                    category=category,
                    must_contain=[] if unanswerable else must,
                    answerable=not unanswerable,
                    evidence=evidence,
                )
            )
        except ValidationError as exc:
            problems.append(f"dòng {n}: {exc.errors()[0]['msg']}")
    return out, problems


_PROBLEM_WORDS = (
    (r"^line (\d+)", r"dòng \1"),
    (r"invalid JSON", "không phải JSON hợp lệ"),
    (r"not valid UTF-8", "không phải UTF-8"),
    (r"schema error", "sai định dạng"),
    (r"duplicate id, skipped", "trùng mã, bỏ qua"),
    (r"error while answering", "lỗi khi trả lời"),
)


def vietnamese_problem(line: str) -> str:
    """The runner's problem lines (English, for the terminal) in words an official reads."""
    for pattern, repl in _PROBLEM_WORDS:
        line = re.sub(pattern, repl, line)
    return line


def read_sheet(name: str, data: bytes) -> tuple[list[EvalQuestion], list[str]]:
    """Questions of an uploaded sheet (.jsonl, .xlsx, .csv) and one problem line per bad row."""
    suffix = Path(name).suffix.lower()
    if suffix in (".jsonl", ".json"):
        with tempfile.TemporaryDirectory(prefix="baocao-sheet-") as tmp:
            path = Path(tmp) / "questions.jsonl"
            path.write_bytes(data)
            questions, problems = read_questions(path)
        problems = [vietnamese_problem(p) for p in problems]
    elif suffix in (".xlsx", ".xls", ".csv"):
        try:
            if suffix == ".csv":
                frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
            else:
                frame = pd.read_excel(io.BytesIO(data), dtype=str)
        except Exception as exc:
            raise SheetError(f"Không đọc được bảng {name} ({type(exc).__name__}).") from exc
        columns = [str(c) for c in frame.columns]
        rows = [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]
        questions, problems = questions_from_rows(rows, columns)
    else:
        raise SheetError(f"Tệp {name}: chỉ nhận .jsonl, .xlsx hoặc .csv.")
    if not questions:
        raise SheetError(f"Tệp {name} không có câu hỏi hợp lệ nào.")
    if len(questions) > MAX_QUESTIONS:
        raise SheetError(f"Tệp {name} có {len(questions)} câu hỏi; tối đa {MAX_QUESTIONS} câu mỗi lần.")
    return questions, problems


def write_jsonl(questions: list[EvalQuestion], path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for q in questions:
            fh.write(json.dumps(q.model_dump(), ensure_ascii=False) + "\n")
    return path


class _Counting:
    """Wraps the assistant to report progress after each answer (the runner stays as it is)."""

    def __init__(self, inner: Answerer, job: EvalJob) -> None:
        self.inner, self.job = inner, job

    def ask(
        self, question: str, history: list[str] | None = None, filters: Any = None, qid: str = ""
    ) -> AnswerRecord:
        if self.job.cancelled:
            raise RuntimeError("đã dừng")
        try:
            return self.inner.ask(question, history, filters, qid=qid)
        finally:
            self.job.done += 1
            time.sleep(0)  # let the questions of people using the app in


@dataclass
class EvalJob:
    name: str
    questions: list[EvalQuestion]
    problems: list[str] = field(default_factory=list)
    job_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    done: int = 0
    status: str = "running"  # running | finished | failed
    error: str = ""
    cancelled: bool = False
    started: float = field(default_factory=time.time)
    finished: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)
    records: list[AnswerRecord] = field(default_factory=list)
    scored: list[EvalQuestion] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.questions)

    def run(self, assistant: Answerer, workdir: Path) -> None:
        try:
            workdir.mkdir(parents=True, exist_ok=True)
            src = write_jsonl(self.questions, workdir / f"{self.job_id}-questions.jsonl")
            records, qs, problems = run_questions(
                _Counting(assistant, self), src, workdir / f"{self.job_id}-answers.jsonl", desc="kiem-dinh"
            )
            self.records, self.scored = records, qs
            self.problems += [vietnamese_problem(p) for p in problems]
            self.summary = summarise(records, qs)
            self.status = "finished"
        except Exception as exc:
            log.exception("evaluation run failed")
            self.error = f"{type(exc).__name__}: {exc}"
            self.status = "failed"
        finally:
            self.finished = time.time()

    def start(self, assistant: Answerer, workdir: Path) -> threading.Thread:
        t = threading.Thread(
            target=self.run, args=(assistant, workdir), name=f"kiem-dinh-{self.job_id[:8]}", daemon=True
        )
        t.start()
        return t

    def misses(self) -> list[dict[str, Any]]:
        out = []
        for rec, q in zip(self.records, self.scored, strict=True):
            d = failure_detail(rec, q)
            if d["severity"] > 0:
                cites = rec.citations or rec.related
                d["passage"] = " ".join(cites[0].text.split()) if cites else ""
                d["wards"] = ", ".join(q.wards)
                out.append(d)
        return out
