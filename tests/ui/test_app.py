"""The Streamlit app through ``streamlit.testing.v1.AppTest`` over a real (small) index."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import ADMIN_PASSWORD, APP, XSS_REPORT

pytestmark = pytest.mark.integration

VIEW_CHAT = "Hỏi đáp"
VIEW_COMPARE = "So sánh phường/xã"
VIEW_LIBRARY = "Thư viện báo cáo"


def start() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def walk(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from walk(child)


def texts(node: Any) -> list[str]:
    """Every piece of text shown under ``node`` (markdown, captions, alerts, labels)."""
    out = []
    for el in walk(node):
        if getattr(el, "type", "") == "html":
            continue  # our own fixed page chrome (checked separately in the safety test)
        for attr in ("value", "label", "body"):
            v = getattr(el, attr, None) if el is not node or attr != "children" else None
            if isinstance(v, str):
                out.append(v)
    return out


def last_answer(at: AppTest) -> Any:
    msgs = [m for m in at.chat_message if m.name == "assistant"]
    assert msgs, "no assistant message"
    return msgs[-1]


def citation_labels(msg: Any) -> list[str]:
    return [unescape(e.label) for e in msg.expander if unescape(e.label).startswith("[")]


def unescape(md: str) -> str:
    return md.replace("\\", "")


# chat ------------------------------------------------------------------------------------


def test_answer_with_citations(sample_data_dir: Path, use_index: Callable[..., None]) -> None:
    use_index(sample_data_dir)
    at = start()
    assert at.chat_input, "chat input missing"
    ask(at, "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?")
    msg = last_answer(at)
    shown = " ".join(unescape(t) for t in texts(msg))
    assert "15.300.000.000" in shown
    assert "[1]" in shown
    # the short direct answer comes first, set apart, and is not repeated below it
    first = unescape(msg.markdown[0].value)
    assert first.startswith("##### ") and "15.300.000.000" in first, first
    assert sum(unescape(m.value).lstrip("# ") == first.lstrip("# ") for m in msg.markdown) == 1
    labels = citation_labels(msg)
    assert labels, "no citation expanders"
    assert all("Xương Giang" in unescape(lb) for lb in labels)
    # the cited passage is shown with the quoted sentence highlighted
    bodies = [m.value for e in msg.expander for m in e.markdown]
    assert any(":orange-background[" in b and "15.300.000.000" in b for b in bodies)
    # the full section can be opened from a citation
    toggles = [t for t in msg.toggle if t.label == "Xem toàn bộ mục"]
    assert toggles
    toggles[0].set_value(True)
    at.run()
    msg = last_answer(at)
    assert len([m for e in msg.expander for m in e.markdown]) > len(bodies), "full section not shown"
    opened = [e for e in msg.expander if any(t.label == "Xem toàn bộ mục" and t.value for t in e.toggle)]
    assert opened and all(e.proto.expanded for e in opened), "the box closed after the toggle"
    # the conversation can be downloaded
    dl = at.get("download_button")
    assert dl and not dl[0].proto.disabled


def test_followup_uses_history(sample_data_dir: Path, use_index: Callable[..., None]) -> None:
    use_index(sample_data_dir)
    at = start()
    ask(at, "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?")
    ask(at, "Còn phường Ngô Quyền thì sao?")
    msg = last_answer(at)
    labels = citation_labels(msg)
    assert labels and all("Ngô Quyền" in unescape(lb) for lb in labels), labels
    shown = " ".join(unescape(t) for t in texts(msg))
    assert "17.384.571.763" in shown
    assert len([m for m in at.chat_message if m.name == "user"]) == 2
    # "Hội thoại mới" clears the conversation
    at.button(key="new_conv").click().run()
    assert not at.chat_message


def test_ward_filter_restricts_citations(sample_data_dir: Path, use_index: Callable[..., None]) -> None:
    use_index(sample_data_dir)
    at = start()
    pills = at.button_group(key="f_wards")
    assert set(pills.options) >= {"phường Ngô Quyền", "phường Xương Giang"}
    pills.set_value(["Ngô Quyền"]).run()
    ask(at, "Thu ngân sách năm 2023 đạt bao nhiêu?")
    msg = last_answer(at)
    labels = citation_labels(msg)
    assert labels
    assert all("Ngô Quyền" in unescape(lb) and "Xương Giang" not in lb for lb in labels), labels


def test_invalid_question_warns(sample_data_dir: Path, use_index: Callable[..., None]) -> None:
    use_index(sample_data_dir)
    at = start()
    ask(at, "ngân sách " * 400)
    msg = last_answer(at)
    assert msg.warning and "quá dài" in msg.warning[0].value


def test_llm_endpoint_down_falls_back(
    sample_data_dir: Path, use_index: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    use_index(sample_data_dir)
    monkeypatch.setenv("BAOCAO_LLM_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    monkeypatch.setenv("BAOCAO_LLM_MODEL", "khong-co")
    monkeypatch.setenv("BAOCAO_LLM_TIMEOUT_S", "3")
    at = start()
    ask(at, "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?")
    msg = last_answer(at)
    assert any("Không kết nối được mô hình ngôn ngữ" in i.value for i in msg.info)
    assert "15.300.000.000" in " ".join(unescape(t) for t in texts(msg))
    assert citation_labels(msg)


def test_unanswerable_question_refuses(sample_data_dir: Path, use_index: Callable[..., None]) -> None:
    use_index(sample_data_dir)
    at = start()
    ask(at, "Thu ngân sách phường Xương Giang năm 2019 là bao nhiêu?")
    msg = last_answer(at)
    assert msg.warning, "a refusal is shown as a warning"
    assert not citation_labels(msg)
    ask(at, "Số ca mắc sốt xuất huyết của phường Xương Giang năm 2023?")
    msg = last_answer(at)
    assert msg.warning and "không nêu" in msg.warning[0].value
    assert not citation_labels(msg)
    assert [e for e in msg.expander if e.label == "Đoạn liên quan (không phải câu trả lời)"]


def test_empty_index_explains_how_to_add(tmp_path: Path, use_index: Callable[..., None]) -> None:
    use_index(tmp_path / "empty")
    at = start()
    assert any("python -m ingest add" in i.value for i in at.info)
    assert at.chat_input[0].proto.disabled


# compare -----------------------------------------------------------------------------------


def test_compare_view_renders_table(sample_data_dir: Path, use_index: Callable[..., None]) -> None:
    use_index(sample_data_dir)
    at = start()
    at.radio(key="view").set_value(VIEW_COMPARE).run()
    assert at.button_group(key="cmp_wards").value == ["Ngô Quyền", "Xương Giang"]
    at.text_input(key="cmp_topic").input("thu ngân sách năm 2023")
    at.button(key="cmp_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.dataframe, "no table with an English toolbar"
    cells = " ".join(unescape(t) for t in texts(at.main))
    assert "15.300.000.000" in cells and "17.384.571.763" in cells
    assert any("So sánh thu ngân sách năm 2023 của phường" in unescape(c.value) for c in at.caption)
    assert at.expander, "citations missing under the comparison"


# admin -------------------------------------------------------------------------------------


def _password_boxes(at: AppTest) -> list[Any]:
    return [t for t in at.sidebar.text_input if t.key == "admin_pw"]


def test_upload_hidden_without_admin_password(sample_data_dir: Path, use_index: Callable[..., None]) -> None:
    use_index(sample_data_dir, admin_password=None)
    at = start()
    assert not _password_boxes(at)
    at.radio(key="view").set_value(VIEW_LIBRARY).run()
    assert _cards(at) == 2
    assert not at.get("file_uploader")
    assert not _password_boxes(at)
    assert not [b for b in at.button if b.key == "rm_go"]


def test_upload_needs_correct_password(mutable_data_dir: Path, use_index: Callable[..., None]) -> None:
    use_index(mutable_data_dir, admin_password=ADMIN_PASSWORD)
    at = start()
    at.radio(key="view").set_value(VIEW_LIBRARY).run()
    assert _password_boxes(at), "password box missing"
    assert not at.get("file_uploader")

    _password_boxes(at)[0].input("sai-mat-khau").run()
    assert not at.get("file_uploader")
    assert any("không đúng" in e.value for e in at.sidebar.error)
    assert all(ADMIN_PASSWORD not in t and "sai-mat-khau" not in t for t in texts(at._tree))

    _password_boxes(at)[0].input(ADMIN_PASSWORD).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.get("file_uploader"), "uploader missing for the admin"
    assert not _password_boxes(at), "the password box is replaced by the admin state"
    assert all(ADMIN_PASSWORD not in t for t in texts(at._tree))

    # a bad file: Vietnamese error, nothing else changes
    at.get("file_uploader")[0].set_value(("rong.txt", b"", "text/plain"))
    at.button(key="up_go").click().run()
    assert any("Lỗi" in e.value for e in at.error), [e.value for e in at.error]
    assert _cards(at) == 2

    # a good file without a ward in its text, with the ward given in the form
    at.text_input(key="up_ward").input("phường Hội Phú")
    at.get("file_uploader")[0].set_value(("hoi_phu.txt", XSS_REPORT.read_bytes(), "text/plain"))
    at.button(key="up_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Đã thêm" in s.value for s in at.success), [s.value for s in at.success]
    assert _cards(at) == 3

    # remove it again: nothing is chosen at first, then a confirmation names the report
    assert at.radio(key="rm_doc-0").value is None
    assert at.button(key="rm_go").proto.disabled
    at.radio(key="rm_doc-0").set_value(
        next(o for o in at.radio(key="rm_doc-0").options if "Hội Phú" in o)
    ).run()
    at.button(key="rm_go").click().run()
    assert _cards(at) == 3, "removed without confirmation"
    warn = " ".join(w.value for w in at.warning)
    assert "Hội Phú" in warn and "Xoá hẳn báo cáo" in warn, warn
    at.button(key="rm_cancel").click().run()
    assert _cards(at) == 3
    at.button(key="rm_go").click().run()
    at.button(key="rm_confirm_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _cards(at) == 2
    assert any("Đã xoá" in s.value and "Hội Phú" in s.value for s in at.success)


def test_password_attempts_are_throttled(sample_data_dir: Path, use_index: Callable[..., None]) -> None:
    use_index(sample_data_dir, admin_password=ADMIN_PASSWORD + "-throttle")
    at = start()
    for _ in range(3):
        _password_boxes(at)[0].input("sai").run()
    # the right password is refused while the throttle holds
    _password_boxes(at)[0].input(ADMIN_PASSWORD + "-throttle").run()
    assert any("thử lại sau" in e.value for e in at.sidebar.error), [e.value for e in at.sidebar.error]
    assert _password_boxes(at), "logged in despite the throttle"


def _cards(at: AppTest) -> int:
    """Report cards on the library page."""
    return sum(
        1 for m in at.main.markdown if m.value.startswith("**phường") or m.value.startswith("**Phường")
    )


# safety ------------------------------------------------------------------------------------


def test_report_html_is_never_rendered(xss_data_dir: Path, use_index: Callable[..., None]) -> None:
    use_index(xss_data_dir)
    at = start()
    ask(at, "Thu ngân sách phường Hội Phú năm 2023 ước đạt bao nhiêu?")
    msg = last_answer(at)
    labels = citation_labels(msg)
    assert labels and all("Hội Phú" in lb for lb in labels), labels
    # open the full section as well: it must be escaped too
    for t in msg.toggle:
        t.set_value(True)
    at.run()
    everything = texts(at._tree)
    joined = "\n".join(everything)
    assert "9.876.543.210" in joined
    assert "&lt;script&gt;" in joined, "the script tag should be shown as escaped text"
    assert "&lt;b&gt;đậm&lt;/b&gt;" in joined
    for t in everything:
        assert "<script" not in t.lower()
        assert "<b>" not in t
        assert "![x](" not in t, "markdown image must be escaped"
        assert "](http" not in t
    for el in walk(at._tree):
        if getattr(el, "type", "") == "markdown":
            assert not el.proto.allow_html, el.value
        if getattr(el, "type", "") == "html":
            body = el.proto.body
            assert "9.876.543.210" not in body and "Hội Phú" not in body, "report text in st.html"
