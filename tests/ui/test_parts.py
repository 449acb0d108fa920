"""UI building blocks without a Streamlit session: exports, stored conversations, sheets, throttle."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from docx import Document

from assistant.types import AnswerRecord, Citation
from ui.eval_jobs import SheetError, read_sheet
from ui.export import conversation_docx, conversation_markdown
from ui.format import citation_heading, format_date, readable_source
from ui.state import Throttle
from ui.store import ConversationStore, StoredTurn, new_id

pytestmark = pytest.mark.unit


def _record(question: str = "Thu ngân sách?") -> AnswerRecord:
    cite = Citation(
        n=1,
        ward="Xương Giang",
        document="Kế hoạch ngày 30/8/2023 (Kế hoạch phát triển KT-XH năm 2024)",
        section="Phần thứ nhất > 3. Tài chính",
        text="Thu ngân sách phường ước đạt 15.300.000.000 đ, bằng 268,43% kế hoạch.",
        source="000_347ec1f2055dce63.txt",
        doc_type="Kế hoạch",
        date="2023-08-30",
        quote="Thu ngân sách phường ước đạt 15.300.000.000 đ, bằng 268,43% kế hoạch.",
    )
    return AnswerRecord(
        question=question,
        answer="Theo Kế hoạch ngày 30/08/2023, thu ngân sách phường ước đạt 15.300.000.000 đ [1].",
        citations=[cite],
    )


def test_dates_are_dd_mm_yyyy_and_hash_names_hidden() -> None:
    assert format_date("2023-08-30") == "30/08/2023"
    assert format_date("chưa rõ") == "chưa rõ"
    assert readable_source("000_347ec1f2055dce63.txt") == ""
    assert readable_source("bao-cao-ngo-quyen.pdf") == "bao-cao-ngo-quyen.pdf"
    heading = citation_heading(_record().citations[0], lambda w: "phường")
    assert heading == "[1] phường Xương Giang — Kế hoạch ngày 30/08/2023"


def test_word_export_holds_answers_and_citations() -> None:
    turns = [("Thu ngân sách Xương Giang 2023?", _record()), ("Còn chi?", _record("Còn chi?"))]
    data = conversation_docx(turns, lambda w: "phường")
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Hỏi: Thu ngân sách Xương Giang 2023?" in text and "Hỏi: Còn chi?" in text
    assert "15.300.000.000" in text
    assert "[1] phường Xương Giang — Kế hoạch ngày 30/08/2023" in text
    assert "Mục: Phần thứ nhất > 3. Tài chính" in text
    assert "000_347ec1f2055dce63" not in text


def test_exports_put_the_direct_answer_first() -> None:
    rec = _record()
    rec.direct = "Thu ngân sách năm 2023 (ước): 15.300.000.000 đ [1]."
    rec.answer = rec.direct + "\n\n" + rec.answer
    md = conversation_markdown([("Thu ngân sách?", rec)])
    assert f"**{rec.direct}**" in md and md.count(rec.direct) == 1
    doc = Document(io.BytesIO(conversation_docx([("Thu ngân sách?", rec)])))
    paras = [p for p in doc.paragraphs if p.text.strip()]
    i = next(i for i, p in enumerate(paras) if p.text == rec.direct)
    assert paras[i].runs[0].bold and paras[i - 1].text == "Hỏi: Thu ngân sách?"


def test_word_export_survives_control_characters() -> None:
    rec = _record()
    rec.answer = "số liệu\x0b lạ\x00 [1]"
    doc = Document(io.BytesIO(conversation_docx([("hỏi\x07", rec)])))
    assert any("số liệu lạ" in p.text for p in doc.paragraphs)


def test_markdown_export() -> None:
    md = conversation_markdown([("Thu ngân sách?", _record())], lambda w: "phường")
    assert md.startswith("# Trợ lý Báo cáo — hội thoại")
    assert "## Hỏi: Thu ngân sách?" in md and "### Nguồn trích dẫn" in md
    assert "- [1] phường Xương Giang — Kế hoạch ngày 30/08/2023" in md


def test_conversation_store_round_trip_and_listing(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    bid, c1, c2 = new_id(), new_id(), new_id()
    store.save(bid, c1, [StoredTurn("Câu một?", _record("Câu một?"))])
    store.save(bid, c2, [StoredTurn("Câu hai?", _record("Câu hai?")), StoredTurn("Tiếp?", _record())])
    listed = store.list(bid)
    assert [s.conversation_id for s in listed] == [c2, c1]
    assert listed[0].title == "Câu hai?" and listed[0].turns == 2
    back = store.load(bid, c2)
    assert back[0].record.citations[0].text.startswith("Thu ngân sách")
    assert store.list(new_id()) == []  # another browser sees nothing
    with pytest.raises(ValueError):
        store.save("../../etc", c1, [])
    assert store.list("../..") == []
    (tmp_path / bid / f"{c1}.json").write_text("{hỏng", encoding="utf-8")
    assert store.load(bid, c1) == []
    assert [s.conversation_id for s in store.list(bid)] == [c2]


ROWS = [
    [
        "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?",
        "15.300.000.000; 268,43%",
        "Xương Giang",
        "",
    ],
    ["Số ca sốt xuất huyết năm 2023?", "", "Ngô Quyền", "x"],
    ["", "bỏ qua dòng trống", "", ""],
]
HEADERS = ["Câu hỏi", "Cần có", "Phường/xã", "Không có trong báo cáo"]


def test_excel_sheet_becomes_eval_questions() -> None:
    buf = io.BytesIO()
    pd.DataFrame(ROWS, columns=HEADERS).to_excel(buf, index=False)
    questions, problems = read_sheet("bang.xlsx", buf.getvalue())
    assert not problems and len(questions) == 2
    q1, q2 = questions
    assert q1.must_contain == ["15.300.000.000", "268,43%"] and q1.answerable and q1.wards == ["Xương Giang"]
    assert q1.category == "fact_number" and q1.evidence == q1.must_contain
    assert not q2.answerable and q2.category == "unanswerable" and not q2.must_contain


def test_csv_and_jsonl_sheets(tmp_path: Path) -> None:
    csv = pd.DataFrame(ROWS[:2], columns=["question", "expected", "ward", "unanswerable"]).to_csv(index=False)
    assert len(read_sheet("a.csv", csv.encode("utf-8"))[0]) == 2
    line = {"id": "a1", "question": "Thu ngân sách?", "category": "fact_number", "must_contain": ["1"]}
    qs, _ = read_sheet("a.jsonl", (json.dumps(line, ensure_ascii=False) + "\n").encode())
    assert qs[0].id == "a1"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.txt", b"x", "chỉ nhận"),
        ("a.csv", "cột khác\nx\n".encode(), "Không thấy cột câu hỏi"),
        ("a.xlsx", b"not excel", "Không đọc được"),
        ("a.jsonl", b"{}\n", "không có câu hỏi hợp lệ"),
    ],
)
def test_bad_sheets_are_refused_in_vietnamese(name: str, data: bytes, message: str) -> None:
    with pytest.raises(SheetError, match=message):
        read_sheet(name, data)


def test_problem_lines_of_a_jsonl_sheet_are_vietnamese() -> None:
    good = {"id": "a1", "question": "Thu ngân sách?", "category": "fact_number"}
    data = ("{không phải json\n" + json.dumps(good, ensure_ascii=False) + "\n").encode()
    qs, problems = read_sheet("a.jsonl", data)
    assert len(qs) == 1 and problems and problems[0].startswith("dòng 1: không phải JSON hợp lệ"), problems


def test_login_throttle_backs_off_and_resets() -> None:
    t = Throttle(free=3, base=5.0, cap=60.0)
    for _ in range(2):
        t.record(False, now=100.0)
    assert t.wait_seconds(now=100.0) == 0
    t.record(False, now=100.0)
    assert t.wait_seconds(now=100.0) == pytest.approx(5.0)
    t.record(False, now=200.0)
    assert t.wait_seconds(now=200.0) == pytest.approx(10.0)
    t.record(True)
    assert t.wait_seconds() == 0 and t.failures == 0


class _SlowAnswerer:
    """Answers every question with the same sentence, slowly (a long evaluation run)."""

    def ask(
        self, question: str, history: object = None, filters: object = None, qid: str = ""
    ) -> AnswerRecord:
        import time

        time.sleep(0.05)
        rec = _record(question)
        rec.id = qid
        rec.answer = rec.citations[0].text + " [1]"
        if "sốt xuất huyết" in question:
            rec.refused, rec.citations = True, []
        return rec


def test_evaluation_runs_in_the_background(tmp_path: Path) -> None:
    import time

    from ui.eval_jobs import EvalJob

    buf = io.BytesIO()
    pd.DataFrame(ROWS[:2] * 10, columns=HEADERS).to_excel(buf, index=False)
    questions, _ = read_sheet("bang.xlsx", buf.getvalue())
    job = EvalJob(name="bang.xlsx", questions=questions)
    t0 = time.monotonic()
    thread = job.start(_SlowAnswerer(), tmp_path)
    assert time.monotonic() - t0 < 0.5, "starting a run must not wait for it"
    assert job.status == "running"
    thread.join(timeout=30)
    assert job.status == "finished" and job.done == job.total == 20
    o = job.summary["overall"]
    assert o["accuracy"] == 1.0 and o["refusal_recall"] == 1.0 and o["citation_precision"] == 1.0
    assert job.misses() == []
