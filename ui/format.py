"""Plain-text formatting shared by the pages and the exports (no Streamlit here)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from assistant.types import AnswerRecord, Citation

_HASH_NAME = re.compile(r"^\d{3}_[0-9a-f]{8,}\.\w+$")


def format_date(iso: str) -> str:
    """``2023-08-30`` → ``30/08/2023`` (dd/mm/yyyy); anything else unchanged."""
    try:
        y, m, d = iso[:10].split("-")
        return f"{int(d):02d}/{int(m):02d}/{int(y):04d}"
    except ValueError:
        return iso


def format_datetime(iso: str) -> str:
    """An ISO timestamp as ``dd/mm/yyyy HH:MM`` (local time)."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return iso


_DMY = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")


def pad_dates(text: str) -> str:
    """Dates the assistant or a label writes as d/m/yyyy, shown as dd/mm/yyyy."""
    return _DMY.sub(lambda m: f"{int(m.group(1)):02d}/{int(m.group(2)):02d}/{m.group(3)}", text)


def readable_source(source: str) -> str:
    """A file name as people read it; content-hash names ("000_347ec1….txt") are not shown."""
    return "" if _HASH_NAME.match(source or "") else source


def document_label(c: Citation) -> str:
    """ "Báo cáo số 137/BC-UBND ngày 30/11/2023" (without the long title)."""
    if not (c.doc_type or c.doc_number or c.date) or (not c.doc_type and c.document):
        return c.document  # a citation that carries only the document's label (the indicator table's)
    out = c.doc_type or "Văn bản"
    if c.doc_number:
        out += f" số {c.doc_number}"
    if c.date:
        out += f" ngày {format_date(c.date)}"
    return out


def citation_heading(c: Citation, kind_of: Callable[[str], str] | None = None) -> str:
    kind = kind_of(c.ward) if kind_of else ""
    return f"[{c.n}] {kind} {c.ward}".replace("  ", " ").strip() + f" — {document_label(c)}"


def direct_answer(rec: AnswerRecord) -> str:
    """The short direct answer line when the assistant gives one (field ``direct``)."""
    value = getattr(rec, "direct", "") or ""
    return " ".join(str(value).split())


def evidence_text(rec: AnswerRecord) -> str:
    """The answer without its direct line (when the answer starts with it)."""
    text = rec.answer.strip()
    direct = direct_answer(rec)
    if direct:
        first, _, rest = text.partition("\n")
        if " ".join(first.split()) == direct:
            return rest.strip()
    return text
