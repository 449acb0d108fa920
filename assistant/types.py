"""Records the assistant returns (see ``../shared/CONTRACT.md``, "Answer record")."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ingest.models import document_label


class Passage(BaseModel):
    """A retrieved chunk with everything a citation needs."""

    chunk_id: str
    doc_id: str
    text: str
    ward: str
    ward_kind: str = "phường"
    doc_type: str = ""
    doc_number: str = ""
    date: str = ""
    title: str = ""
    years: list[int] = Field(default_factory=list)
    section: str = ""
    source: str = ""
    page: int | None = None
    ocr: bool = False  # read by OCR from a scanned page
    position: int = 0
    score: float = 0.0
    dense_rank: int | None = None
    lexical_rank: int | None = None

    @property
    def document(self) -> str:
        """Document label used in citations: "Báo cáo số 137/BC-UBND ngày 30/11/2023"."""
        return document_label(self.doc_type, self.doc_number, self.date)


class Citation(BaseModel):
    n: int
    ward: str
    document: str
    section: str
    text: str
    source: str
    # extensions (allowed by the contract)
    doc_id: str = ""
    chunk_id: str = ""
    doc_type: str = ""
    doc_number: str = ""
    date: str = ""
    page: int | None = None
    ocr: bool = Field(default=False, description="the passage was read by OCR from a scanned page")
    quote: str = Field(default="", description="the sentence(s) of the passage the answer relies on")


def citation_for(n: int, p: Passage, quote: str = "") -> Citation:
    """The citation record of passage ``p`` numbered ``n`` (``quote``: the sentences used)."""
    return Citation(
        n=n,
        ward=p.ward,
        document=f"{p.document} ({p.title})" if p.title else p.document,
        section=p.section,
        text=p.text,
        source=p.source,
        doc_id=p.doc_id,
        chunk_id=p.chunk_id,
        doc_type=p.doc_type,
        doc_number=p.doc_number,
        date=p.date,
        page=p.page,
        ocr=p.ocr,
        quote=quote,
    )


class AnswerRecord(BaseModel):
    id: str = ""
    question: str
    answer: str
    refused: bool = False
    citations: list[Citation] = Field(default_factory=list)
    latency_ms: float = 0.0
    # extensions
    rewritten_question: str = ""
    mode: str = Field(default="grounded", description="grounded | llm | comparison")
    related: list[Citation] = Field(default_factory=list, description="closest passages when refused")
    retrieved: list[Passage] = Field(default_factory=list, description="ranked passages (for eval)")
    timings: dict[str, float] = Field(default_factory=dict)
    confidence: float = Field(default=0.0, description="probability that the quoted sentence answers")
    direct: str = Field(default="", description="one short line that answers, taken from the citation")
    notes: list[str] = Field(default_factory=list, description="e.g. why the LLM answer was rejected")
    comparison: list[dict[str, Any]] = Field(
        default_factory=list, description="per-ward rows for comparisons"
    )

    def contract_dict(self) -> dict[str, Any]:
        """The record as the contract spells it (plus extensions, minus bulky internals)."""
        return self.model_dump(exclude={"retrieved"})
