"""Data passed from ingest to the vector store: a parsed document and its chunks.

Every chunk carries enough metadata to render a citation without another lookup
(ward, document type/number/date/title, heading path, page, position, source file).
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, Field

from baocao.vntext import match_key

# Heading path of the chunk holding the signature block ("TM. UBND / CHỦ TỊCH / name").
SIGNATURE_HEADING = "Người ký"
# Heading path of the chunk holding the recipients list ("Nơi nhận: - UBND thành phố; - Lưu VT").
RECIPIENTS_HEADING = "Nơi nhận"


def content_hash(text: str) -> str:
    """Document id: hash of the normalised content (whitespace/case/tone-insensitive)."""
    return hashlib.sha256(match_key(text).encode("utf-8")).hexdigest()[:24]


def chunk_id(doc_id: str, heading_path: list[str], text: str, position: int) -> str:
    h = hashlib.sha256()
    for part in (doc_id, " > ".join(heading_path), text, str(position)):
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:32]


def document_label(doc_type: str, doc_number: str, date: str) -> str:
    """ "Báo cáo số 137/BC-UBND ngày 30/11/2023" (number and date only when known)."""
    out = doc_type or "Văn bản"
    if doc_number:
        out += f" số {doc_number}"
    if date:
        y, m, d = date.split("-")
        out += f" ngày {int(d)}/{int(m)}/{y}"
    return out


class DocumentMeta(BaseModel):
    doc_id: str
    ward: str = Field(description='ward/commune name without its kind, e.g. "Ngô Quyền"')
    ward_kind: str = Field(
        default="phường", description="phường / xã / thị trấn / đặc khu, or huyện / tỉnh … for other levels"
    )
    doc_type: str = Field(default="Báo cáo", description="Báo cáo, Kế hoạch, Nghị quyết, …")
    doc_number: str = Field(default="", description='"137/BC-UBND"; empty when the report leaves it blank')
    date: str = Field(default="", description="ISO date YYYY-MM-DD or empty")
    title: str = ""
    signer: str = ""
    years: list[int] = Field(default_factory=list, description="years the report covers")
    source: str = Field(description="file name")
    pages: int | None = None
    ingested_at: str = ""
    issuer: str = Field(default="", description='issuing body as the letterhead names it, "Sở Tài chính"')
    issuer_parent: str = Field(default="", description='the body above it, "Ủy ban nhân dân tỉnh Bình Thuận"')
    area_level: str = Field(default="", description="level of the issuer's area: xã, phường, huyện, tỉnh, …")
    ocr_pages: int = Field(default=0, description="pages read by OCR (no text layer)")

    @property
    def label(self) -> str:
        """Human label: "Báo cáo số 137/BC-UBND ngày 30/11/2023"."""
        return document_label(self.doc_type, self.doc_number, self.date)

    @property
    def ward_full(self) -> str:
        return f"{self.ward_kind} {self.ward}".strip()


class Chunk(BaseModel):
    id: str
    doc_id: str
    text: str = Field(description="display text: the passage itself (with its footnotes)")
    embed_text: str = Field(description="what is embedded/indexed: short context header + text")
    heading_path: list[str] = Field(default_factory=list)
    page: int | None = None
    position: int = 0
    ocr: bool = Field(default=False, description="the passage was read by OCR from a scanned page")


class ParsedDocument(BaseModel):
    metadata: DocumentMeta
    chunks: list[Chunk]
    text: str = Field(description="the whole clean text (NFC), as shown to users")
    ocr_page_numbers: list[int] = Field(default_factory=list, description="pages read by OCR")
