"""Chat page: filters, the conversation, answers with citations, exports, earlier conversations."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

import streamlit as st

from assistant.retrieval import Filters
from assistant.service import INVALID_NOTE, Assistant
from assistant.types import AnswerRecord
from ui import state
from ui.citations import render_record
from ui.export import DOCX_MIME, conversation_docx, conversation_markdown
from ui.format import pad_dates
from ui.page import close_sidebar_on_phone, copy_button
from ui.render import answer_markdown, plain_markdown, stream_escaped

log = logging.getLogger(__name__)

EMPTY_INDEX_HELP = (
    "Chưa có báo cáo nào. Để thêm báo cáo:\n\n"
    "- chạy lệnh `python -m ingest add <thư mục>` (ví dụ `python -m ingest add data/reports`), hoặc\n"
    "- đăng nhập quản trị ở thanh bên rồi tải tệp lên trong mục **Thư viện báo cáo**."
)


def sidebar_filters(assistant: Assistant) -> Filters:
    """Ward / document type / year filters (from what the reports hold)."""
    docs = assistant.index.list_documents()
    wards = assistant.known_wards()
    doc_types = sorted({d.doc_type for d in docs if d.doc_type})
    years = sorted({y for d in docs for y in d.years}, reverse=True)
    sb = st.sidebar
    sb.subheader("Bộ lọc")
    sel_wards = sb.pills(
        "Phường/xã",
        wards,
        selection_mode="multi",
        key="f_wards",
        format_func=lambda w: f"{assistant.ward_kind(w)} {w}",
        on_change=_filter_chosen,
    )
    sel_types = sb.pills(
        "Loại văn bản", doc_types, selection_mode="multi", key="f_types", on_change=_filter_chosen
    )
    sel_years = sb.pills("Năm", years, selection_mode="multi", key="f_years", on_change=_filter_chosen)
    return Filters(list(sel_wards or []), list(sel_types or []), [int(y) for y in sel_years or []])


def _filter_chosen() -> None:
    st.session_state["close_sidebar"] = True


def filters_caption(f: Filters, assistant: Assistant) -> str:
    bits = []
    if f.wards:
        bits.append(", ".join(f"{assistant.ward_kind(w)} {w}" for w in f.wards))
    if f.doc_types:
        bits.append(", ".join(f.doc_types))
    if f.years:
        bits.append("năm " + ", ".join(map(str, f.years)))
    return "Đang lọc: " + "; ".join(bits) if bits else ""


def _ask_streaming(
    assistant: Assistant, question: str, history: list[str], filters: Filters, key: str
) -> AnswerRecord:
    holder: dict[str, AnswerRecord] = {}

    def pieces() -> Iterator[str]:
        for item in assistant.stream(question, history, filters):
            if isinstance(item, AnswerRecord):
                holder["record"] = item
            else:
                yield item

    slot = st.empty()
    try:
        with slot.container(), st.spinner("Đang tìm trong báo cáo…"):
            st.write_stream(stream_escaped(pieces()))
    except Exception:
        log.exception("answering failed")
        holder.pop("record", None)
    rec = holder.get("record")
    if rec is None:
        rec = AnswerRecord(
            question=question,
            answer="Đã có lỗi khi tìm câu trả lời. Vui lòng thử lại sau hoặc báo cho quản trị viên.",
            refused=True,
            notes=["error"],
        )
    slot.empty()
    return rec


def _ask_example(question: str) -> None:
    st.session_state["pending_question"] = question


def example_buttons(assistant: Assistant, key: str) -> None:
    for i, ex in enumerate(assistant.example_questions()):
        st.button(ex, key=f"{key}-ex{i}", on_click=_ask_example, args=(ex,), icon=":material/chat:")


def render_turn(assistant: Assistant, question: str, rec: AnswerRecord, key: str) -> None:
    if rec.mode == "social":
        first = rec.answer.split("\n\n")[0]
        st.markdown(answer_markdown(first))
        st.markdown("Bạn có thể hỏi, ví dụ:")
        example_buttons(assistant, key)
        return
    render_record(rec, assistant, key=key)
    if INVALID_NOTE in rec.notes or "error" in rec.notes:
        return
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    with row:
        copy_button(key)
    one = [(question, rec)]
    row.download_button(
        "Tải Word",
        data=conversation_docx(one, assistant.ward_kind, title="Trợ lý Báo cáo — câu trả lời"),
        file_name="cau-tra-loi.docx",
        mime=DOCX_MIME,
        on_click="ignore",
        key=f"{key}-docx",
        icon=":material/description:",
        help="Tải câu trả lời này (kèm nguồn trích dẫn) dạng Word",
    )
    row.download_button(
        "Tải văn bản (.md)",
        data=conversation_markdown(one, assistant.ward_kind),
        file_name="cau-tra-loi.md",
        mime="text/markdown",
        on_click="ignore",
        key=f"{key}-md",
        icon=":material/download:",
        help="Tải câu trả lời này dạng tệp văn bản .md",
    )


def chat_page(assistant: Assistant, filters: Filters) -> None:
    st.title("Hỏi đáp về báo cáo")
    empty = not assistant.known_wards()
    if empty:
        st.info(EMPTY_INDEX_HELP)
    else:
        st.caption(plain_markdown(pad_dates(assistant.coverage_text().replace("Chỉ mục hiện có", "Đang có"))))
    cap = filters_caption(filters, assistant)
    if cap:
        st.info(plain_markdown(cap), icon=":material/filter_alt:")

    cid = state.conversation_id()
    history = state.turns()
    typed = st.chat_input("Nhập câu hỏi về báo cáo…", disabled=empty, key="chat_q")
    question = typed if typed is not None else st.session_state.pop("pending_question", None)
    if not history and not empty and question is None:
        st.markdown("Hãy đặt câu hỏi về các báo cáo kinh tế - xã hội, hoặc bấm một câu hỏi mẫu:")
        example_buttons(assistant, "start")
    for i, t in enumerate(history):
        with st.chat_message("user"):
            st.markdown(plain_markdown(t.question))
        with st.chat_message("assistant"):
            render_turn(assistant, t.question, t.record, key=f"t{cid[:8]}-{i}")

    if question is not None and not empty:
        with st.chat_message("user"):
            st.markdown(plain_markdown(question))
        with st.chat_message("assistant"):
            rec = _ask_streaming(
                assistant,
                question,
                [t.question for t in history if INVALID_NOTE not in t.record.notes],
                filters,
                key=f"t{cid[:8]}-{len(history)}",
            )
            render_turn(assistant, question, rec, key=f"t{cid[:8]}-{len(history)}")
        if "error" not in rec.notes:
            history.append(state.Turn(question, rec))
            state.save_conversation()
    if st.session_state.pop("close_sidebar", False):
        close_sidebar_on_phone()


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%d/%m/%Y %H:%M")


def sidebar_conversation_controls(slot: st.delta_generator.DeltaGenerator, assistant: Assistant) -> None:
    """New conversation, exports, and this browser's earlier conversations."""
    turns = [(t.question, t.record) for t in state.turns()]
    with slot.container():
        st.subheader("Hội thoại")
        st.button(
            "Hội thoại mới",
            on_click=state.clear_conversation,
            width="stretch",
            key="new_conv",
            icon=":material/add_comment:",
        )
        st.download_button(
            "Tải hội thoại (Word)",
            data=conversation_docx(turns, assistant.ward_kind) if turns else b"",
            file_name="hoi-thoai-tro-ly-bao-cao.docx",
            mime=DOCX_MIME,
            on_click="ignore",
            disabled=not turns,
            width="stretch",
            key="download_conv_docx",
            icon=":material/description:",
        )
        st.download_button(
            "Tải hội thoại (văn bản .md)",
            data=conversation_markdown(turns, assistant.ward_kind) if turns else "",
            file_name="hoi-thoai-tro-ly-bao-cao.md",
            mime="text/markdown",
            on_click="ignore",
            disabled=not turns,
            width="stretch",
            key="download_conv",
            icon=":material/download:",
        )
        earlier = state.conversation_store().list(state.browser_id())
        if earlier:
            st.caption("Hội thoại trước trên trình duyệt này")
            current = state.conversation_id()
            for s in earlier[:20]:
                title = s.title if len(s.title) <= 60 else s.title[:57] + "…"
                st.button(
                    f"{title} · {_when(s.updated)}",
                    key=f"conv-{s.conversation_id}",
                    on_click=state.open_conversation,
                    args=(s.conversation_id,),
                    width="stretch",
                    type="primary" if s.conversation_id == current else "secondary",
                    icon=":material/history:",
                )
