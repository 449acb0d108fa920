"""Export a conversation (or one answer) to Word ``.docx`` or Markdown, citations included."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Pt

from assistant.types import AnswerRecord, Citation
from ui.format import citation_heading, direct_answer, evidence_text

KindOf = Callable[[str], str]
Turn = tuple[str, AnswerRecord]


def _now() -> str:
    return datetime.now().strftime("%H:%M %d/%m/%Y")


def _clean(text: str) -> str:
    # XML 1.0 forbids most control characters; python-docx would raise on them
    return "".join(ch for ch in text if ch in "\t\n" or ord(ch) >= 32)


def turn_markdown(question: str, rec: AnswerRecord, kind_of: KindOf | None = None) -> str:
    out = [f"## Hỏi: {question}", ""]
    direct = direct_answer(rec)
    if direct:
        out += [f"**{direct}**", ""]
    out += [evidence_text(rec), ""]
    if rec.citations:
        out.append("### Nguồn trích dẫn")
        for c in rec.citations:
            out.append(f"- {citation_heading(c, kind_of)}")
            if c.section:
                out.append(f"  - Mục: {c.section}")
            if c.quote:
                out.append(f"  - Trích: “{' '.join(c.quote.split())}”")
        out.append("")
    return "\n".join(out)


def conversation_markdown(turns: Sequence[Turn], kind_of: KindOf | None = None) -> str:
    parts = ["# Trợ lý Báo cáo — hội thoại", f"_Xuất lúc {_now()}_", ""]
    parts += [turn_markdown(q, r, kind_of) for q, r in turns]
    return "\n".join(parts)


def _citation_paragraphs(doc: DocxDocument, citations: Sequence[Citation], kind_of: KindOf | None) -> None:
    doc.add_heading("Nguồn trích dẫn", level=3)
    for c in citations:
        doc.add_paragraph(_clean(citation_heading(c, kind_of)), style="List Bullet")
        if c.section:
            doc.add_paragraph(_clean("Mục: " + c.section))
        quote = " ".join((c.quote or c.text).split())
        if quote:
            p = doc.add_paragraph()
            run = p.add_run(_clean("“" + quote + "”"))
            run.italic = True


def conversation_docx(turns: Sequence[Turn], kind_of: KindOf | None = None, title: str = "") -> bytes:
    """A Word document: each question, its direct answer, the evidence and the citations."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    doc.add_heading(_clean(title or "Trợ lý Báo cáo — hội thoại"), level=1)
    doc.add_paragraph(f"Xuất lúc {_now()}")
    for question, rec in turns:
        doc.add_heading(_clean("Hỏi: " + question), level=2)
        direct = direct_answer(rec)
        if direct:
            doc.add_paragraph().add_run(_clean(direct)).bold = True
        for para in evidence_text(rec).split("\n"):
            if para.strip():
                doc.add_paragraph(_clean(para.strip()))
        if rec.citations:
            _citation_paragraphs(doc, rec.citations, kind_of)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
