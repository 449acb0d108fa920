"""Compare view: the same topic across two or more wards, side by side."""

from __future__ import annotations

import logging

import streamlit as st

from assistant.retrieval import Filters
from assistant.service import Assistant
from assistant.types import AnswerRecord
from ui.citations import render_record
from ui.render import plain_markdown

log = logging.getLogger(__name__)


def build_question(topic: str, wards: list[str], assistant: Assistant) -> str:
    """ "So sánh {topic} của phường A và phường B" (the assistant does the per-ward work)."""
    topic = " ".join(topic.split()).rstrip(" ?.")
    if topic.lower().startswith("so sánh "):
        topic = topic[len("so sánh ") :]
    names = [f"{assistant.ward_kind(w)} {w}" for w in wards]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " và " + names[-1]
    return f"So sánh {topic} của {joined}"


def compare_page(assistant: Assistant, filters: Filters) -> None:
    st.title("So sánh giữa các phường/xã")
    wards = assistant.known_wards()
    if len(wards) < 2:
        st.info("Cần báo cáo của ít nhất hai phường/xã để so sánh.")
        return
    st.caption(
        "Chọn các phường/xã và nội dung cần so sánh; mỗi ô trong bảng là câu trích từ báo cáo của địa bàn đó."
    )
    c1, c2 = st.columns([2, 3])
    sel = c1.pills(
        "Phường/xã",
        wards,
        selection_mode="multi",
        default=wards[:2],
        key="cmp_wards",
        format_func=lambda w: f"{assistant.ward_kind(w)} {w}",
    )
    topic = c2.text_input("Nội dung so sánh", key="cmp_topic", placeholder="ví dụ: thu ngân sách năm 2023")
    if st.button("So sánh", type="primary", key="cmp_go"):
        if len(sel or []) < 2:
            st.warning("Hãy chọn ít nhất hai phường/xã.")
        elif not topic.strip():
            st.warning("Hãy nhập nội dung cần so sánh (ví dụ: tỷ lệ hộ nghèo).")
        else:
            question = build_question(topic, list(sel or []), assistant)
            try:
                with st.spinner("Đang so sánh…"):
                    rec = assistant.ask(question, filters=Filters([], filters.doc_types, filters.years))
            except Exception:
                log.exception("comparison failed")
                st.error("Đã có lỗi khi so sánh. Vui lòng thử lại sau.")
            else:
                st.session_state["cmp_result"] = rec
    shown = st.session_state.get("cmp_result")
    if isinstance(shown, AnswerRecord):
        rec = shown
        st.divider()
        st.caption("Câu hỏi gửi trợ lý: " + plain_markdown(rec.question))
        render_record(rec, assistant, key="cmp")
