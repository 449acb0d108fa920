"""The rule that keeps new train questions from copying held-out ones (``eval/near_duplicates.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import near_duplicates
from eval.near_duplicates import near_duplicate


def _q(qid: str, question: str, evidence: list[str] | None = None, wards: list[str] | None = None) -> dict:
    return {
        "id": qid,
        "question": question,
        "wards": wards or ["Tân Lập"],
        "answerable": evidence is not None,
        "evidence": evidence or [],
    }


HELD = [
    _q("h1", "Năm rồi xã Tân Lập tiễn mấy thanh niên đi bộ đội?", ["giao 12 thanh niên nhập ngũ, đạt 100%"]),
    _q("h2", "Xã Tân Lập có bao nhiêu doanh nghiệp đang hoạt động?", None),
]


def test_same_evidence_and_near_wording_is_dropped() -> None:
    q = _q("t1", "Năm 2023 xã Tân Lập tiễn bao nhiêu thanh niên đi bộ đội?", ["giao 12 thanh niên nhập ngũ"])
    assert near_duplicate(q, HELD, set()) == f"near h1: {HELD[0]['question']}"


def test_same_evidence_other_wording_is_kept() -> None:
    q = _q("t2", "Quân số tuyển được của Tân Lập đợt vừa rồi?", ["giao 12 thanh niên nhập ngũ, đạt 100%"])
    assert near_duplicate(q, HELD, set()) is None


def test_near_wording_other_evidence_is_kept() -> None:
    q = _q("t3", "Năm rồi xã Tân Lập tiễn mấy thanh niên đi bộ đội?", ["khám tuyển 40 công dân"])
    assert near_duplicate(q, HELD, set()) is None


def test_unanswerable_twins_are_matched_by_ward() -> None:
    assert near_duplicate(_q("t4", "tan lap co bao nhieu doanh nghiep dang hoat dong", None), HELD, set())
    assert near_duplicate(_q("t5", "Xã Tân Lập có bao nhiêu doanh nghiệp hoạt động?", None), HELD, set())
    other_ward = _q("t6", "Xã Tân Lập có bao nhiêu doanh nghiệp hoạt động?", None, wards=["Đông Sơn"])
    assert near_duplicate(other_ward, HELD, set()) is None


def test_a_repeated_train_question_is_dropped() -> None:
    q = _q("t7", "Ai  ký báo cáo?", ["CHỦ TỊCH"])
    assert near_duplicate(q, [], {"ai ký báo cáo?"}) == "repeats a train question"


def test_cli_writes_only_the_kept_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    held = tmp_path / "heldout"
    held.mkdir()
    (held / "h.jsonl").write_text(json.dumps(HELD[0], ensure_ascii=False) + "\n", encoding="utf-8")
    monkeypatch.setattr(near_duplicates, "HELDOUT_DIR", held)
    monkeypatch.setattr(near_duplicates, "TRAIN_FILES", [])
    new = tmp_path / "new.jsonl"
    twin = _q(
        "t1", "Năm 2023 xã Tân Lập tiễn bao nhiêu thanh niên đi bộ đội?", ["giao 12 thanh niên nhập ngũ"]
    )
    other = _q("t2", "Quân số tuyển được của Tân Lập đợt vừa rồi?", ["giao 12 thanh niên nhập ngũ, đạt 100%"])
    new.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in (twin, other)), encoding="utf-8")
    out = tmp_path / "kept.jsonl"
    assert near_duplicates.main([str(new), "--out", str(out)]) == 0
    assert [json.loads(x)["id"] for x in out.read_text(encoding="utf-8").splitlines()] == ["t2"]
