"""The development question set (``eval/data/train.jsonl``) and its validator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from baocao.vntext import has_diacritics
from eval.schema import CATEGORIES
from eval.validate import category_counts, main, validate_questions

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_SET = REPO_ROOT / "eval" / "data" / "train.jsonl"
REPORTS = sorted((REPO_ROOT / "data" / "reports").glob("*.txt"))

MINIMUMS = {
    "fact_number": 40,
    "fact_text": 20,
    "list": 10,
    "footnote": 8,
    "doubled_text": 15,
    "plan_2024": 15,
    "comparison": 10,
    "followup": 12,
    "unanswerable": 18,
}

pytestmark = pytest.mark.unit


# --------------------------------------------------------------------------- dev set


@pytest.fixture(scope="module")
def clean_texts() -> dict[str, str]:
    """The two sample reports cleaned by the real ingest pipeline."""
    from baocao.settings import load_settings
    from eval.validate import load_clean_texts

    assert len(REPORTS) >= 2, "data/reports should hold the two sample reports"
    return load_clean_texts(load_settings(), REPORTS)


@pytest.fixture(scope="module")
def dev_rows(clean_texts: dict[str, str]):
    rows, problems = validate_questions(DEV_SET, clean_texts)
    return rows, problems


def test_dev_set_validates_against_cleaned_reports(dev_rows) -> None:
    _, problems = dev_rows
    assert problems == [], "\n".join(problems)


def test_dev_set_size_and_category_minimums(dev_rows) -> None:
    rows, _ = dev_rows
    assert len(rows) >= 150
    counts = category_counts(rows)
    short = {c: (counts[c], n) for c, n in MINIMUMS.items() if counts[c] < n}
    assert not short, f"categories below their minimum (have, need): {short}"


def test_dev_set_has_questions_typed_without_diacritics(dev_rows) -> None:
    rows, _ = dev_rows
    share = sum(not has_diacritics(q.question) for q in rows) / len(rows)
    assert 0.08 <= share <= 0.2, f"{share:.1%} of questions are typed without diacritics"


def test_dev_set_covers_both_wards_and_sources(dev_rows) -> None:
    rows, _ = dev_rows
    wards = {w for q in rows for w in q.wards}
    sources = {s for q in rows for s in q.source}
    assert {"Xương Giang", "Ngô Quyền"} <= wards
    assert {p.name for p in REPORTS} <= sources
    # doubled-character facts live in the Ngô Quyền PDF text, footnotes in Xương Giang
    assert all(q.source == ["003_0cab950f740f85d5.txt"] for q in rows if q.category == "doubled_text")
    assert all(q.source == ["000_347ec1f2055dce63.txt"] for q in rows if q.category == "footnote")
    # answerable comparisons stating both wards' figures cite both reports
    both = [q for q in rows if q.category == "comparison" and len(q.must_contain) >= 2]
    assert both and all(len(q.source) == 2 and len(q.wards) == 2 for q in both)


def test_dev_set_unanswerable_rows_are_empty(dev_rows) -> None:
    rows, _ = dev_rows
    for q in rows:
        if not q.answerable:
            assert q.must_contain == [] and q.evidence == [], q.id


# --------------------------------------------------------------------------- validator

CLEAN = {
    "a.txt": "Thu ngân sách phường ước: 15.300.000.000đ đạt 268,43% kế hoạch.\n"
    "Tỷ lệ gia đình văn hoá đạt 96,9%.",
}


def _row(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": "q001",
        "question": "Thu ngân sách năm 2023?",
        "wards": ["Xương Giang"],
        "category": "fact_number",
        "must_contain": ["15.300.000.000"],
        "answerable": True,
        "evidence": ["Thu ngân sách phường ước: 15.300.000.000đ"],
        "source": ["a.txt"],
    }
    row.update(kw)
    return row


def _write(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
        encoding="utf-8",
    )
    return path


def test_validator_accepts_a_good_row(tmp_path: Path) -> None:
    rows, problems = validate_questions(_write(tmp_path, _row()), CLEAN)
    assert problems == []
    assert [q.id for q in rows] == ["q001"]


def test_validator_matches_case_whitespace_and_tone_placement(tmp_path: Path) -> None:
    row = _row(
        id="q002",
        must_contain=["96,9%"],
        evidence=["tỷ  lệ gia đình VĂN HÓA\nđạt 96,9%"],  # source writes "hoá"
    )
    _, problems = validate_questions(_write(tmp_path, row), CLEAN)
    assert problems == []


def test_validator_reports_duplicate_ids(tmp_path: Path) -> None:
    _, problems = validate_questions(_write(tmp_path, _row(), _row()), CLEAN)
    assert len(problems) == 1
    assert "line 2" in problems[0] and "q001" in problems[0] and "duplicate id" in problems[0]


def test_validator_reports_bad_json(tmp_path: Path) -> None:
    rows, problems = validate_questions(_write(tmp_path, _row(), '{"id": "q002", "question": '), CLEAN)
    assert len(rows) == 1
    assert len(problems) == 1 and problems[0].startswith("line 2") and "invalid JSON" in problems[0]


def test_validator_reports_missing_evidence(tmp_path: Path) -> None:
    row = _row(evidence=["Thu ngân sách phường ước: 99.000.000đ"], must_contain=["99.000.000"])
    _, problems = validate_questions(_write(tmp_path, row), CLEAN)
    assert any("evidence not found" in p for p in problems)
    assert any("'99.000.000' found in neither" in p for p in problems)


def test_validator_reports_must_contain_outside_evidence(tmp_path: Path) -> None:
    row = _row(must_contain=["268,43%"])  # in the source, not in the evidence span
    _, problems = validate_questions(_write(tmp_path, row), CLEAN)
    assert len(problems) == 1 and "none of the evidence" in problems[0]


def test_validator_accepts_a_new_category_as_its_own(tmp_path: Path) -> None:
    """CONTRACT: any ``category`` label is accepted and reported as its own category."""
    rows, problems = validate_questions(_write(tmp_path, _row(category="trivia")), CLEAN)
    assert problems == [] and [q.category for q in rows] == ["trivia"]
    counts = category_counts(rows)
    assert counts["trivia"] == 1 and list(counts)[: len(CATEGORIES)] == list(CATEGORIES)


def test_validator_reports_schema_errors(tmp_path: Path) -> None:
    _, problems = validate_questions(_write(tmp_path, _row(question="  ")), CLEAN)
    assert len(problems) == 1 and "schema error" in problems[0]


def test_validator_reports_unanswerable_with_must_contain(tmp_path: Path) -> None:
    row = _row(category="unanswerable", answerable=False, evidence=[])
    _, problems = validate_questions(_write(tmp_path, row), CLEAN)
    assert problems == ["line 1 (q001): answerable=false with non-empty must_contain"]


def test_validator_reports_followup_without_history(tmp_path: Path) -> None:
    _, problems = validate_questions(_write(tmp_path, _row(category="followup")), CLEAN)
    assert problems == ["line 1 (q001): followup question without history"]


def test_validator_reports_unknown_source(tmp_path: Path) -> None:
    _, problems = validate_questions(_write(tmp_path, _row(source=["b.txt"])), CLEAN)
    assert len(problems) == 1 and "unknown source file 'b.txt'" in problems[0]


def test_validator_reports_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    rows, problems = validate_questions(path, CLEAN)
    assert rows == [] and len(problems) == 1 and "no questions" in problems[0]


def test_main_exits_1_on_problems_and_0_with_counts(tmp_path: Path, monkeypatch, capsys) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "a.txt").write_text(CLEAN["a.txt"], encoding="utf-8")
    monkeypatch.setattr(
        "eval.validate.load_clean_texts",
        lambda settings, paths: {Path(p).name: Path(p).read_text(encoding="utf-8") for p in paths},
    )
    good = _write(tmp_path, _row())
    assert main([str(good), "--reports", str(reports)]) == 0
    out = capsys.readouterr().out
    assert "fact_number" in out and "total" in out

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(_row()) + "\n" + json.dumps(_row()) + "\n", encoding="utf-8")
    assert main([str(bad), "--reports", str(reports)]) == 1
    assert "duplicate id" in capsys.readouterr().out
