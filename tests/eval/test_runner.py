"""The eval runner with a fake assistant: bad lines are reported and skipped, never fatal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.types import AnswerRecord, Citation, Passage
from eval.cli import main
from eval.metrics import summarise
from eval.report import write_compare_report, write_config_report
from eval.runner import load_records, run_questions

pytestmark = pytest.mark.unit

EVIDENCE = "Thu ngân sách phường ước: 15.300.000.000đ đạt 268,43% kế hoạch"


def row(qid: str, **kw: object) -> str:
    data: dict[str, object] = {
        "id": qid,
        "question": f"Câu hỏi {qid}?",
        "category": "fact_number",
        "must_contain": ["15.300.000.000"],
        "evidence": [EVIDENCE],
        "source": ["a.txt"],
    }
    data.update(kw)
    return json.dumps(data, ensure_ascii=False)


class FakeAssistant:
    """Answers from one passage; raises on a question containing "BOOM"."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str], str]] = []

    def ask(
        self, question: str, history: list[str] | None = None, filters: object = None, qid: str = ""
    ) -> AnswerRecord:
        self.calls.append((question, list(history or []), qid))
        if "BOOM" in question:
            raise RuntimeError("index exploded")
        if "không có" in question:
            return AnswerRecord(id=qid, question=question, answer="Không nêu.", refused=True)
        p = Passage(
            chunk_id="c1", doc_id="d1", text=EVIDENCE, ward="Xương Giang", section="Thu", source="a.txt"
        )
        cit = Citation(n=1, ward=p.ward, document="Báo cáo", section=p.section, text=p.text, source=p.source)
        return AnswerRecord(
            id=qid,
            question=question,
            answer="Thu 15.300.000.000đ [1]",
            citations=[cit],
            retrieved=[p] * 12,
            latency_ms=5.0,
        )


@pytest.fixture
def questions_file(tmp_path: Path) -> Path:
    lines = [
        row("q1"),
        row("q2", history=["Thu ngân sách Xương Giang?"], category="followup", question="Còn chi thì sao?"),
        '{"id": "q3", "question": ',  # line 3: invalid JSON
        row("q4", must_contain="15.300.000.000"),  # line 4: schema error (a string, not a list)
        "",  # blank lines are ignored
        row("q5", question="BOOM?"),  # answering raises
        row(
            "q6",
            question="Điều không có?",
            category="unanswerable",
            answerable=False,
            must_contain=[],
            evidence=[],
        ),
    ]
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_runner_reports_bad_lines_and_goes_on(questions_file: Path, tmp_path: Path, capsys) -> None:
    fake = FakeAssistant()
    out = tmp_path / "out" / "answers.jsonl"
    records, questions, problems = run_questions(fake, questions_file, out)

    assert [q.id for q in questions] == ["q1", "q2", "q5", "q6"]
    assert [r.id for r in records] == ["q1", "q2", "q5", "q6"]
    assert fake.calls[1] == ("Còn chi thì sao?", ["Thu ngân sách Xương Giang?"], "q2")  # history passed on

    assert len(problems) == 3
    assert problems[0].startswith("line 3") and "invalid JSON" in problems[0]
    assert problems[1].startswith("line 4 (q4)") and "schema error" in problems[1]
    assert problems[2].startswith("q5") and "index exploded" in problems[2]
    err = capsys.readouterr().err
    assert "line 3" in err and "line 4 (q4)" in err and "index exploded" in err

    boom = records[2]
    assert boom.refused and any("eval_error" in n for n in boom.notes)

    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4
    first = json.loads(lines[0])
    for key in ("id", "question", "answer", "refused", "citations", "latency_ms"):
        assert key in first
    assert len(first["retrieved"]) == 10
    assert set(first["retrieved"][0]) == {"chunk_id", "section", "source", "ward", "text"}


def test_metrics_can_be_recomputed_from_the_output_file(questions_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "answers.jsonl"
    records, questions, _ = run_questions(FakeAssistant(), questions_file, out)
    again = load_records(out)
    assert summarise(again, questions)["overall"] == summarise(records, questions)["overall"]


def test_reports_are_written(questions_file: Path, tmp_path: Path) -> None:
    records, questions, problems = run_questions(FakeAssistant(), questions_file, tmp_path / "a.jsonl")
    summary = summarise(records, questions)
    md, js = write_config_report("hybrid", summary, "eval/data/train.jsonl", problems, tmp_path, "2025-01-01")
    assert md.name == "2025-01-01-hybrid.md" and "q5" in md.read_text(encoding="utf-8")
    other, _ = write_config_report("hybrid", summary, "q.jsonl", problems, tmp_path, "2025-01-01")
    assert other.name == "2025-01-01-q-hybrid.md", "another question file must not overwrite the dev report"
    assert json.loads(js.read_text(encoding="utf-8"))["overall"]["questions"] == 4
    cmp_md, chart = write_compare_report(
        {"hybrid": summary, "naive": summary}, "q.jsonl", tmp_path, "2025-01-01"
    )
    text = cmp_md.read_text(encoding="utf-8")
    assert "| **hybrid** |" in text and "| **naive** |" in text and "hit@5" in text
    assert chart.name == "2025-01-01-accuracy-by-category.png" and chart.stat().st_size > 1000
    assert (tmp_path / "LATEST.md").read_text(encoding="utf-8") == text


def test_cli_run_on_missing_file_exits_2(tmp_path: Path, capsys) -> None:
    code = main(["run", "--questions", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o.jsonl")])
    assert code == 2
    assert "nope.jsonl" in capsys.readouterr().err
    assert not (tmp_path / "o.jsonl").exists()


def test_cli_rejects_unknown_compare_config(tmp_path: Path, capsys) -> None:
    qf = tmp_path / "q.jsonl"
    qf.write_text(row("q1") + "\n", encoding="utf-8")
    assert main(["compare", "--questions", str(qf), "--configs", "hybrid,bogus"]) == 2
    assert "bogus" in capsys.readouterr().err
