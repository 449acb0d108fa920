"""The checker handed to blind question writers (``eval/blind_check.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.blind_check import main

pytestmark = pytest.mark.unit

REPORT = "Năm 2023, thu ngân sách phường đạt 15.300.000.000đ. Trạm y tế khám, chữa bệnh cho 142 lượt người."


def _line(question: str, evidence: str, must: str, answerable: bool = True) -> str:
    return json.dumps(
        {
            "id": question[:8],
            "question": question,
            "history": [],
            "wards": ["Xương Giang"],
            "category": "fact_number" if answerable else "unanswerable",
            "must_contain": [must] if answerable else [],
            "answerable": answerable,
            "evidence": [evidence] if answerable else [],
            "source": ["r.txt"],
        },
        ensure_ascii=False,
    )


def _run(tmp_path: Path, *lines: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    (tmp_path / "r.txt").write_text(REPORT, encoding="utf-8")
    f = tmp_path / "q.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main([str(f), "--reports", str(tmp_path)])
    return code, capsys.readouterr().out


def test_everyday_wording_passes_and_copied_wording_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ok = _line(
        "Tiền thu vào của phường năm ngoái được bao nhiêu?",
        "thu ngân sách phường đạt 15.300.000.000đ",
        "15.300.000.000đ",
    )
    code, out = _run(tmp_path, ok, _line("Mấy cháu bị ốm?", "", "", answerable=False), capsys=capsys)
    assert code == 0 and "2 questions, 0 problems" in out
    copied = _line(
        "Thu ngân sách phường đạt bao nhiêu?", "thu ngân sách phường đạt 15.300.000.000đ", "15.300.000.000đ"
    )
    code, out = _run(tmp_path, copied, capsys=capsys)
    assert code == 1 and "shares 4 content syllables" in out


def test_evidence_must_be_verbatim_and_hold_the_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _line("Bao nhiêu lượt đi khám?", "khám bệnh cho 142 lượt người", "142 lượt")
    code, out = _run(
        tmp_path, bad, _line("Số lượt đi khám?", "chữa bệnh cho 142 lượt người", "150"), capsys=capsys
    )
    assert code == 1
    assert "evidence not verbatim" in out and "must_contain not in evidence: 150" in out
