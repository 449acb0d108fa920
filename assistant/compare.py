"""Ward comparison: answer the same topic for each ward and lay the answers side by side."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.types import AnswerRecord, Citation
from baocao.vntext import fold

_COMPARE_WORDS_RE = re.compile(
    r"\b(so sánh|so sanh|giữa|giua|hai phường|hai phuong|hai xã|các phường|cac phuong|phường nào|phuong nao|"
    r"xã nào|nơi nào|bên nào|cao hơn|thấp hơn|nhiều hơn|ít hơn|cao hon|thap hon|nhieu hon|it hon|chênh lệch|"
    r"của|cua|và|va|với|voi|hay|hai|các|cac|phường|phuong|xã|khác nhau thế nào|khác nhau|thế nào|ra sao)\b",
    re.IGNORECASE,
)
_NUM_RE = re.compile(
    r"(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)\s*(%|tỷ|triệu|nghìn|đồng|đ\b|hộ|người|ha)?", re.IGNORECASE
)
_SCALE = {"tỷ": 1e9, "triệu": 1e6, "nghìn": 1e3}


@dataclass
class Figure:
    text: str
    value: float
    unit: str


def parse_figures(text: str) -> list[Figure]:
    out = []
    for m in _NUM_RE.finditer(text):
        raw, unit = m.group(1), (m.group(2) or "").lower()
        if re.fullmatch(r"(19|20)\d\d", raw) and not unit:
            continue  # a year, not a figure
        value = float(raw.replace(".", "").replace(",", "."))
        if unit in _SCALE:
            value *= _SCALE[unit]
            unit = "đồng"
        if unit == "đ":
            unit = "đồng"
        out.append(Figure(m.group(0).strip(), value, unit))
    return out


def topic_of(question: str, wards: list[str]) -> str:
    q = question
    for w in wards:
        q = re.sub(r"(?:phường|phuong|xã|xa)?\s*" + re.escape(w), " ", q, flags=re.IGNORECASE)
        q = re.sub(re.escape(fold(w)), " ", q, flags=re.IGNORECASE)
    q = _COMPARE_WORDS_RE.sub(" ", q)
    return re.sub(r"\s+", " ", q).strip(" ?.,")


def pick_figure(answer_quote: str, prefer_percent: bool) -> Figure | None:
    figs = parse_figures(answer_quote)
    if prefer_percent:
        pct = [f for f in figs if f.unit == "%"]
        if pct:
            return pct[0]
    return figs[0] if figs else None


def compare(
    question: str,
    wards: list[str],
    answer_for: Callable[[str, str], AnswerRecord],
    ward_kind: Callable[[str], str],
) -> AnswerRecord:
    """``answer_for(topic_question, ward)`` answers for one ward (ward filter applied)."""
    topic = topic_of(question, wards) or question
    prefer_pct = bool(re.search(r"tỷ lệ|tỉ lệ|ty le|%", question, re.IGNORECASE))
    citations: list[Citation] = []
    rows: list[dict[str, object]] = []
    table = ["| Địa bàn | Nội dung báo cáo | Nguồn |", "|---|---|---|"]
    figures: dict[str, Figure] = {}
    missing: list[str] = []
    for w in wards:
        kind = ward_kind(w)
        rec = answer_for(f"{topic} {kind} {w}", w)
        if rec.refused or not rec.citations:
            missing.append(w)
            table.append(f"| {kind} {w} | Báo cáo không nêu | — |")
            rows.append({"ward": w, "refused": True})
            continue
        ns = []
        for c in rec.citations:
            c2 = c.model_copy(update={"n": len(citations) + 1})
            citations.append(c2)
            ns.append(f"[{c2.n}]")
        quote = " ".join(c.quote for c in rec.citations if c.quote) or rec.citations[0].text
        cell = re.sub(r"\s+", " ", quote).replace("|", "/")
        table.append(f"| {kind} {w} | {cell} | {' '.join(ns)} |")
        fig = pick_figure(quote, prefer_pct)
        if fig:
            figures[w] = fig
        rows.append(
            {
                "ward": w,
                "refused": False,
                "quote": quote,
                "figure": fig.text if fig else "",
                "value": fig.value if fig else None,
                "unit": fig.unit if fig else "",
                "citations": ns,
            }
        )
    parts = [f"So sánh theo báo cáo của từng địa bàn ({topic}):", "", *table]
    if len(figures) >= 2:
        units = {f.unit for f in figures.values()}
        if len(units) == 1:
            ranked = sorted(figures.items(), key=lambda kv: -kv[1].value)
            hi, lo = ranked[0], ranked[-1]
            if hi[1].value == lo[1].value:
                parts.append(f"\nHai địa bàn có cùng mức {hi[1].text}.")
            else:
                parts.append(
                    f"\nTheo số liệu trích dẫn, {ward_kind(hi[0])} {hi[0]} ({hi[1].text}) cao hơn "
                    f"{ward_kind(lo[0])} {lo[0]} ({lo[1].text})."
                )
        else:
            parts.append("\nCác số liệu không cùng đơn vị/chỉ tiêu nên không so sánh trực tiếp được.")
    for w in missing:
        parts.append(f"\nBáo cáo của {ward_kind(w)} {w} không nêu số liệu này.")
    refused = len(missing) == len(wards)
    return AnswerRecord(
        question=question,
        answer="\n".join(parts),
        refused=refused,
        citations=citations,
        mode="comparison",
        comparison=rows,
    )
