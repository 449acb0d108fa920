"""Issue 17 item 5: ``eval run`` and ``eval validate`` agree on what a valid question is;
a bad line is reported and skipped, never a crash. Also (issue 12): any ``category``
label is accepted and reported as its own; lines with only ``id`` and ``question`` are
answered and left unscored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.metrics import summarise
from eval.report import console_summary
from eval.runner import run_questions
from eval.schema import read_question_lines
from eval.validate import validate_questions
from tests.eval.test_runner import EVIDENCE, FakeAssistant, row

pytestmark = pytest.mark.unit

CLEAN = {"a.txt": EVIDENCE}

# (line bytes, what the problem says); each is skipped by both tools
BAD_LINES: list[tuple[bytes, str]] = [
    (b'{"id": "s1", "question": "Thu ng\\ud800n s\\u00e1ch?", "category": "fact_text"}', "surrogate"),
    (b'{"id": "s2", "question": "\\udfff"}', "surrogate"),
    (b'{"id": "s3\\ud800", "question": "Thu?"}', "surrogate"),
    (b'{"id": "s4", "question": "Thu?", "must_contain": ["a\\udc80"]}', "surrogate"),
    (b'{"id": "b1", "question": "Thu ng\xe2n?"}', "UTF-8"),
    (b'{"id": "b2", "question": ', "invalid JSON"),
    (b'["id", "question"]', "JSON object"),
    (b"42", "JSON object"),
    (b'{"id": 7, "question": "Thu?"}', "schema error"),
    (b'{"id": "t1", "question": ["Thu?"]}', "schema error"),
    (b'{"id": "t2", "question": "Thu?", "answerable": "yes"}', "schema error"),
    (b'{"id": "t3", "question": "Thu?", "history": "Chi?"}', "schema error"),
    (b'{"id": "t4", "question": "Thu?", "category": 3}', "schema error"),
    (b'{"id": "t5", "question": "   "}', "schema error"),
    (b'{"question": "Thu?"}', "schema error"),
    (b"[" * 100_000, "invalid JSON"),
]


@pytest.fixture
def hostile_file(tmp_path: Path) -> Path:
    good = [row("g1").encode(), json.dumps({"id": "g2", "question": "Chỉ hỏi thôi?"}).encode()]
    lines = [good[0], *(b for b, _ in BAD_LINES), good[1], row("g3", category="trivia").encode()]
    p = tmp_path / "q.jsonl"
    p.write_bytes(b"\n".join(lines) + b"\n")
    return p


def test_runner_and_validator_agree_on_every_bad_line(hostile_file: Path, tmp_path: Path) -> None:
    rows, problems = read_question_lines(hostile_file)
    assert [r.question.id for r in rows] == ["g1", "g2", "g3"]
    assert len(problems) == len(BAD_LINES)
    for (_, what), problem in zip(BAD_LINES, problems, strict=True):
        assert what in problem, problem
        problem.encode("utf-8")  # every message can be printed

    valid, vproblems = validate_questions(hostile_file, CLEAN)
    assert [q.id for q in valid] == ["g1", "g2", "g3"]
    assert vproblems == problems  # the validator adds nothing for these rows, drops nothing

    fake = FakeAssistant()
    out = tmp_path / "out.jsonl"
    _records, questions, rproblems = run_questions(fake, hostile_file, out)
    assert [q.id for q in questions] == ["g1", "g2", "g3"]
    assert rproblems == problems
    written = [json.loads(ln) for ln in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in written] == ["g1", "g2", "g3"]


def test_only_id_and_question_is_answered_unscored_and_new_category_reported(
    hostile_file: Path, tmp_path: Path
) -> None:
    records, questions, _ = run_questions(FakeAssistant(), hostile_file, tmp_path / "out.jsonl")
    by_id = {q.id: q for q in questions}
    assert not by_id["g2"].scored and by_id["g1"].scored and by_id["g3"].scored
    scored = [(r, q) for r, q in zip(records, questions, strict=True) if q.scored]
    summary = summarise([r for r, _ in scored], [q for _, q in scored])
    assert summary["overall"]["questions"] == 2
    assert set(summary["by_category"]) == {"fact_number", "trivia"}
    assert "trivia" in console_summary("hybrid", summary)


def test_eval_run_cli_with_a_lone_surrogate_finishes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reported crash: ``\\ud800`` in a question stopped ``eval run`` after 78 records."""
    from eval import cli

    lines = [row(f"q{i:03d}") for i in range(100)]
    lines.insert(78, '{"id": "bad", "question": "Thu \\ud800 ngân sách?", "category": "fact_text"}')
    qfile = tmp_path / "q.jsonl"
    qfile.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(cli, "_settings", lambda: None)
    monkeypatch.setattr(cli, "open_index", lambda settings: None)
    monkeypatch.setattr(cli, "make_answerer", lambda *a, **k: FakeAssistant())
    out = tmp_path / "out.jsonl"
    code = cli.main(
        ["run", "--questions", str(qfile), "--out", str(out), "--report-dir", str(tmp_path / "r")]
    )
    assert code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 100


def test_eval_run_cli_with_only_unscored_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from eval import cli

    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        '{"id": "a", "question": "Thu ngân sách?"}\n{"id": "b", "question": "Chi?"}\n', encoding="utf-8"
    )
    monkeypatch.setattr(cli, "_settings", lambda: None)
    monkeypatch.setattr(cli, "open_index", lambda settings: None)
    monkeypatch.setattr(cli, "make_answerer", lambda *a, **k: FakeAssistant())
    out = tmp_path / "out.jsonl"
    assert (
        cli.main(["run", "--questions", str(qfile), "--out", str(out), "--report-dir", str(tmp_path / "r")])
        == 0
    )
    assert [json.loads(ln)["id"] for ln in out.read_text(encoding="utf-8").splitlines()] == ["a", "b"]
    assert "không chấm điểm" in capsys.readouterr().err
