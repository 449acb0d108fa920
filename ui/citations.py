"""Answer records on screen: answer text, notes, citations, related passages."""

from __future__ import annotations

import logging
import re

import pandas as pd
import streamlit as st

from assistant.service import INVALID_NOTE, Assistant
from assistant.types import AnswerRecord, Citation
from ui.format import direct_answer, document_label, evidence_text, format_date, readable_source
from ui.render import answer_markdown, escape_md, passage_markdown, plain_markdown

log = logging.getLogger(__name__)

LLM_DOWN_MESSAGE = "Không kết nối được mô hình ngôn ngữ; đang dùng câu trả lời trích xuất."
LLM_REJECTED_MESSAGE = (
    "Câu trả lời của mô hình ngôn ngữ không qua được kiểm tra trích dẫn; đang dùng câu trả lời trích xuất."
)
RELATED_LABEL = "Đoạn liên quan (không phải câu trả lời)"


def is_llm_down(note: str) -> bool:
    n = note.lower()
    return "không phản hồi" in n or "không kết nối" in n or "connection" in n or "timeout" in n


def render_notes(rec: AnswerRecord) -> None:
    shown_down = shown_rejected = False
    for note in rec.notes:
        if note == INVALID_NOTE:
            continue
        if note.startswith("LLM") or "llm" in note.lower():
            if is_llm_down(note):
                if not shown_down:
                    st.info(LLM_DOWN_MESSAGE, icon=":material/cloud_off:")
                    shown_down = True
            elif not shown_rejected:
                st.caption(LLM_REJECTED_MESSAGE)
                shown_rejected = True
        else:
            st.caption(plain_markdown(note))


def citation_label(c: Citation, assistant: Assistant | None, prefix: str = "") -> str:
    kind = assistant.ward_kind(c.ward) if assistant else ""
    where = f"{kind} {c.ward}".strip()
    return plain_markdown(f"{prefix}[{c.n}] {where} — {document_label(c)}")


def render_citation(c: Citation, assistant: Assistant | None, key: str, prefix: str = "") -> None:
    # opened again after a rerun when its "Xem toàn bộ mục" is on (the box stays open in place)
    with st.expander(
        citation_label(c, assistant, prefix), expanded=bool(st.session_state.get(f"{key}-section"))
    ):
        kind = assistant.ward_kind(c.ward) if assistant else "Địa bàn"
        meta = [f"{kind.capitalize()}: {c.ward}", "Văn bản: " + c.document]
        if c.date:
            meta.append(f"ngày {format_date(c.date)}")
        if c.page is not None:
            meta.append(f"trang {c.page}")
        if c.ocr:
            meta.append("nhận dạng chữ từ bản quét (OCR)")
        if readable_source(c.source):
            meta.append(f"tệp {c.source}")
        st.caption(plain_markdown(" · ".join(meta)))
        if c.section:
            st.markdown("**Mục:** " + plain_markdown(c.section))
        body, found = passage_markdown(c.text, c.quote)
        if c.quote and not found:
            st.markdown("**Câu được trích:** " + plain_markdown(c.quote))
        st.markdown(body)
        if (
            c.doc_id
            and c.section
            and assistant is not None
            and st.toggle("Xem toàn bộ mục", key=f"{key}-section")
        ):
            try:
                full = assistant.section_text(c.doc_id, c.section)
            except Exception:  # index hiccup: keep the page alive
                log.exception("section_text failed")
                full = ""
            if full:
                with st.container(border=True):
                    st.markdown(passage_markdown(full, c.quote)[0])
            else:
                st.caption("Không lấy được toàn bộ mục này.")


def _strip_bullet(text: str) -> str:
    return re.sub(r"^\s*[-•+]\s+", "", " ".join(text.split()))


def comparison_frame(rec: AnswerRecord, assistant: Assistant | None) -> pd.DataFrame:
    rows = []
    for r in rec.comparison:
        ward = str(r.get("ward", ""))
        kind = assistant.ward_kind(ward) if assistant else ""
        rows.append(
            {
                "Địa bàn": f"{kind} {ward}".strip(),
                "Số liệu": str(r.get("figure", "") or "—"),
                "Nội dung báo cáo": "Báo cáo không nêu"
                if r.get("refused")
                else _strip_bullet(str(r.get("quote", ""))),
                "Nguồn": " ".join(r.get("citations", []) or []),
            }
        )
    return pd.DataFrame(rows, columns=["Địa bàn", "Số liệu", "Nội dung báo cáo", "Nguồn"])


_SCALES = [(1e9, "tỷ đồng"), (1e6, "triệu đồng")]


def chart_frame(rec: AnswerRecord, assistant: Assistant | None) -> tuple[pd.DataFrame, str] | None:
    """Bar-chart data when at least two wards have a numeric figure in one unit."""
    pts: list[tuple[str, float, str]] = []
    for r in rec.comparison:
        v = r.get("value")
        if r.get("refused") or v is None:
            continue
        try:
            fv = float(v)
        except (TypeError, ValueError):
            continue
        pts.append((str(r.get("ward", "")), fv, str(r.get("unit", "") or "")))
    if len(pts) < 2 or len({u for _, _, u in pts}) != 1:
        return None
    unit = pts[0][2] or "giá trị"
    values = [p[1] for p in pts]
    if unit == "đồng":
        for scale, name in _SCALES:
            if min(values) >= scale / 10:
                values = [round(v / scale, 3) for v in values]
                unit = name
                break
    return pd.DataFrame({"Địa bàn": [p[0] for p in pts], unit: values}), unit


def render_comparison(rec: AnswerRecord, assistant: Assistant | None, chart: bool = True) -> None:
    lines = [ln for ln in rec.answer.split("\n") if ln.strip()]
    intro = [ln for ln in lines[:1] if not ln.lstrip().startswith("|")]
    rest = [ln for ln in lines[1:] if not ln.lstrip().startswith("|")]
    if intro:
        st.markdown(answer_markdown(intro[0]))
    # one card per ward, in full (they stack on a phone)
    cols = st.columns(max(1, len(rec.comparison)))
    for col, r in zip(cols, rec.comparison, strict=False):
        ward = str(r.get("ward", ""))
        kind = assistant.ward_kind(ward) if assistant else ""
        with col.container(border=True):
            st.markdown("**" + plain_markdown(f"{kind} {ward}".strip()) + "**")
            if r.get("refused"):
                st.caption("Báo cáo không nêu số liệu này.")
                continue
            if r.get("figure"):
                st.markdown("#### " + plain_markdown(str(r["figure"])))
            if r.get("as_of"):  # "ước thực hiện năm 2023 — Báo cáo số … ngày …" (indicators issue)
                st.caption(plain_markdown(str(r["as_of"])))
            st.markdown(
                escape_md(_strip_bullet(str(r.get("quote", ""))))
                + " "
                + " ".join(f"**{plain_markdown(str(n))}**" for n in (r.get("citations") or []))
            )
    if chart and any(r.get("trend") for r in rec.comparison):
        from ui.indicators import trend_chart  # a line over the years (indicators issue)

        trend_chart(rec.comparison)
    elif chart:
        data = chart_frame(rec, assistant)
        if data is not None:
            frame, unit = data
            st.bar_chart(
                frame,
                x="Địa bàn",
                y=unit,
                x_label="",
                y_label=unit,
                horizontal=True,
                height=70 * len(frame) + 70,
            )
    for ln in rest:
        st.markdown(answer_markdown(ln))


def render_record(rec: AnswerRecord, assistant: Assistant | None, key: str, chart: bool = True) -> None:
    """Answer + notes + citations (or related passages for a refusal)."""
    if INVALID_NOTE in rec.notes:
        st.warning(plain_markdown(rec.answer))
        return
    if rec.mode == "comparison" and rec.comparison:
        render_comparison(rec, assistant, chart)
    elif rec.refused:
        st.warning(answer_markdown(rec.answer), icon=":material/search_off:")
    else:
        direct = direct_answer(rec)
        if direct:
            st.markdown("##### " + answer_markdown(direct))
        evidence = evidence_text(rec)
        if evidence:
            st.markdown(answer_markdown(evidence))
    if rec.rewritten_question:
        st.caption("Câu hỏi được hiểu là: " + plain_markdown(rec.rewritten_question))
    render_notes(rec)
    if rec.citations:
        st.markdown("**Nguồn trích dẫn**")
        for c in rec.citations:
            render_citation(c, assistant, key=f"{key}-c{c.n}")
    if rec.refused and rec.related:
        with st.expander(RELATED_LABEL, expanded=False):
            st.caption(
                "Các đoạn gần nhất với câu hỏi, chỉ để tham khảo — báo cáo không trả lời trực tiếp câu hỏi này."
            )
            for c in rec.related:
                st.markdown("---")
                kind = assistant.ward_kind(c.ward) if assistant else ""
                st.markdown(
                    "**"
                    + plain_markdown(f"{kind} {c.ward} — {document_label(c)}".strip())
                    + "**  \n"
                    + (plain_markdown(c.section) if c.section else "")
                )
                st.markdown(escape_md(c.text))
