"""Chat page: filters, conversation history, streamed answers with citations."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

import streamlit as st

from assistant.retrieval import Filters
from assistant.service import INVALID_NOTE, Assistant
from assistant.types import AnswerRecord
from ui import state
from ui.citations import record_markdown, render_record
from ui.render import plain_markdown, stream_escaped

log = logging.getLogger(__name__)

EMPTY_INDEX_HELP = (
    "Chỉ mục chưa có báo cáo nào. Để thêm báo cáo:\n\n"
    "- chạy lệnh `python -m ingest add <thư mục>` (ví dụ `python -m ingest add data/reports`), hoặc\n"
    "- đăng nhập quản trị ở thanh bên rồi tải tệp lên trong mục **Thư viện báo cáo**."
)
EXAMPLES = [
    "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?",
    "Phường Ngô Quyền có bao nhiêu hộ nghèo?",
    "So sánh tỷ lệ gia đình văn hóa năm 2023 giữa Xương Giang và Ngô Quyền",
]


def sidebar_filters(assistant: Assistant) -> Filters:
    """Ward / document type / year filters (from what the index holds)."""
    docs = assistant.index.list_documents()
    wards = assistant.known_wards()
    doc_types = sorted({d.doc_type for d in docs if d.doc_type})
    years = sorted({y for d in docs for y in d.years}, reverse=True)
    sb = st.sidebar
    sb.subheader("Bộ lọc")
    sel_wards = sb.multiselect(
        "Phường/xã",
        wards,
        key="f_wards",
        format_func=lambda w: f"{assistant.ward_kind(w)} {w}",
        placeholder="Tất cả phường/xã",
    )
    sel_types = sb.multiselect("Loại văn bản", doc_types, key="f_types", placeholder="Tất cả loại văn bản")
    sel_years = sb.multiselect("Năm", years, key="f_years", placeholder="Tất cả các năm")
    return Filters(list(sel_wards), list(sel_types), [int(y) for y in sel_years])


def conversation_markdown(assistant: Assistant) -> str:
    parts = [
        "# Trợ lý Báo cáo — hội thoại",
        f"_Xuất lúc {datetime.now().strftime('%H:%M %d/%m/%Y')}_",
        "",
    ]
    for t in state.turns():
        parts.append(record_markdown(t.question, t.record, assistant))
    return "\n".join(parts)


def _filters_caption(f: Filters, assistant: Assistant) -> str:
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
    with slot.container():
        render_record(rec, assistant, key=key)
    return rec


def chat_page(assistant: Assistant, filters: Filters) -> None:
    st.title("Hỏi đáp về báo cáo")
    empty = not assistant.known_wards()
    if empty:
        st.info(EMPTY_INDEX_HELP)
    else:
        st.caption(plain_markdown(assistant.coverage_text()))
    cap = _filters_caption(filters, assistant)
    if cap:
        st.caption(plain_markdown(cap))

    cid = state.conversation_id()
    history = state.turns()
    # read the input first (it is pinned to the bottom wherever it is called)
    question = st.chat_input("Nhập câu hỏi về báo cáo…", disabled=empty, key="chat_q")
    if not history and not empty and question is None:
        st.markdown("Hãy đặt câu hỏi về các báo cáo kinh tế - xã hội, ví dụ:")
        for ex in EXAMPLES:
            st.markdown("- " + plain_markdown(ex))
    for i, t in enumerate(history):
        with st.chat_message("user"):
            st.markdown(plain_markdown(t.question))
        with st.chat_message("assistant"):
            render_record(t.record, assistant, key=f"t{cid}-{i}")

    if question is not None:
        with st.chat_message("user"):
            st.markdown(plain_markdown(question))
        with st.chat_message("assistant"):
            rec = _ask_streaming(
                assistant,
                question,
                [t.question for t in history if INVALID_NOTE not in t.record.notes],
                filters,
                key=f"t{cid}-{len(history)}",
            )
        if "error" not in rec.notes:
            history.append(state.Turn(question, rec))


def sidebar_conversation_controls(slot: st.delta_generator.DeltaGenerator, assistant: Assistant) -> None:
    """'New conversation' + Markdown download (filled after the turn is processed)."""
    with slot.container():
        st.button(
            "Hội thoại mới",
            on_click=state.clear_conversation,
            width="stretch",
            key="new_conv",
            icon=":material/add_comment:",
        )
        st.download_button(
            "Tải hội thoại (Markdown)",
            data=conversation_markdown(assistant),
            file_name="hoi-thoai-tro-ly-bao-cao.md",
            mime="text/markdown",
            on_click="ignore",
            disabled=not state.turns(),
            width="stretch",
            key="download_conv",
            icon=":material/download:",
        )
