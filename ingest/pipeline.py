"""File → ``ParsedDocument``: load, repair, footnotes, structure, metadata, chunks.

parse_file(path, settings, ward=None) -> ParsedDocument   # raises IngestError subclasses
parse_text(text, source, ward=None)   -> ParsedDocument   # tests, pasted text
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from baocao.safe_text import one_line, strip_controls
from baocao.settings import Settings
from baocao.vntext import fold, match_key
from ingest import footnotes, tables
from ingest.chunking import ChunkConfig, Piece, chunk_sections, fit_tokens, short_heading
from ingest.errors import (
    EmptyFile,
    FileTooLarge,
    IngestError,
    NotAReport,
    NoWardFound,
    UnsupportedFormat,
    WardConflict,
)
from ingest.files import read_regular_file
from ingest.limits import ReadBudget, ReadLimits
from ingest.loaders import SUPPORTED_EXTENSIONS, load_path, load_text
from ingest.metadata import extract as extract_meta
from ingest.metadata import parse_ward_override, recipient_lines, signature_lines
from ingest.models import (
    RECIPIENTS_HEADING,
    SIGNATURE_HEADING,
    Chunk,
    DocumentMeta,
    ParsedDocument,
    chunk_id,
    content_hash,
)
from ingest.rawdoc import Block, RawDocument
from ingest.repair import build_blocks, clean_lines
from ingest.structure import build_sections

# Part of every document id: a parser/chunker change re-ingests a file as a new version.
# pipeline-3: the area is part of the id (the same text under two wards is two documents).
# pipeline-4: PDF columns, superscripts and hyphen wraps; letterhead dates and titles cut by a column.
# pipeline-5: the figures of a text with no title, year headings or date take their year from its body.
# pipeline-6: the "Nơi nhận" list is a passage of its own; tables written in text (pipe/tab) are rows.
PIPELINE_VERSION = "pipeline-6"
WardPolicy = Literal["override", "default"]


def document_id(clean_text: str, ward_kind: str, ward: str) -> str:
    """Content hash of the clean text, the pipeline version and the normalised area."""
    return content_hash(f"{clean_text}\n{PIPELINE_VERSION}\n{area_key(ward_kind, ward)}")


def area_key(ward_kind: str, ward: str) -> str:
    """ "phường Hòa Bình", "Phuong  hoa binh" → one key (case, spaces, tone marks, NFC)."""
    return fold(match_key(f"{ward_kind} {ward}"))


def check_file(path: Path, settings: Settings) -> None:
    """Extension and size checks, before reading the file."""
    if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        raise UnsupportedFormat(path.name, SUPPORTED_EXTENSIONS)
    size = path.stat().st_size
    limit = settings.max_file_mb
    if size > limit * 1024 * 1024:
        raise FileTooLarge(path.name, size / (1024 * 1024), limit)
    if size == 0:
        raise EmptyFile(path.name)


def parse_file(
    path: Path,
    settings: Settings,
    ward: str | None = None,
    cfg: ChunkConfig | None = None,
    ward_policy: WardPolicy = "override",
) -> ParsedDocument:
    """Read one file within the limits of ``settings`` (see ``ingest.limits``) and parse it.

    The file is opened once, without following a symlink, and must be a regular file;
    PDF/DOCX are read in a child process with hard memory/time limits
    (``settings.parse_isolated``)."""
    return parse_raw(read_file(Path(path), settings), ward=ward, cfg=cfg, ward_policy=ward_policy)


def read_file(path: Path, settings: Settings) -> RawDocument:
    """``path`` → RawDocument, every read limit enforced while reading."""
    if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        raise UnsupportedFormat(path.name, SUPPORTED_EXTENSIONS)
    limit = settings.max_file_mb
    try:
        data = read_regular_file(path, int(limit * 1024 * 1024), limit)
    except OSError as e:
        raise IngestError(f"Không đọc được tệp {path.name} ({e.strerror or e}).", source=path.name) from e
    if not data:
        raise EmptyFile(path.name)
    limits = ReadLimits.from_settings(settings)
    if settings.parse_isolated and path.suffix.lower() in (".pdf", ".docx"):
        from ingest.sandbox import load_isolated

        return load_isolated(path.name, data, limits)
    return load_path(path, data, budget=ReadBudget(limits, path.name))


def parse_text(
    text: str, source: str, ward: str | None = None, fmt: str = "txt", cfg: ChunkConfig | None = None
) -> ParsedDocument:
    if not text.strip():
        raise EmptyFile(source)
    return parse_raw(load_text(text, source, fmt=fmt), ward=ward, cfg=cfg)


def parse_raw(
    raw: RawDocument,
    ward: str | None = None,
    cfg: ChunkConfig | None = None,
    ward_policy: WardPolicy = "override",
) -> ParsedDocument:
    """RawDocument → ParsedDocument.

    ``ward`` with ``ward_policy="override"`` (one file named by the user) is the file's area;
    with ``"default"`` (files of a folder) it is the area of files that name none, and a file
    whose letterhead names another area raises ``WardConflict`` instead of being relabelled."""
    cfg = cfg or ChunkConfig()
    raw.source = one_line(raw.source)
    for ln in raw.lines:  # control characters and escape codes never reach a terminal or a page
        ln.text = strip_controls(ln.text)
    docx = raw.fmt == "docx"
    lines = clean_lines(raw.lines, raw.pdf_like, paged=raw.fmt == "pdf")
    lines, notes = footnotes.extract(lines, raw.pdf_like)
    blocks = build_blocks(lines, raw.pdf_like, docx=docx)
    footnotes.attach(blocks, notes)
    sections, end = build_sections(blocks)
    head_lines = [ln.text for ln in raw.lines if ln.text][:40]
    m = extract_meta(blocks, sections, end, head_lines=head_lines)
    if ward and ward.strip():
        kind, name = parse_ward_override(ward, m.ward_candidates, m.ward_kind)
        if ward_policy == "default" and m.ward:
            if fold(match_key(m.ward)) != fold(match_key(name)):
                raise WardConflict(raw.source, f"{m.ward_kind} {m.ward}".strip(), f"{kind} {name}")
            kind, name = m.ward_kind or kind, m.ward
    elif m.ward:
        kind, name = m.ward_kind, m.ward
    else:
        raise NoWardFound(raw.source)
    clean = render_clean_text(blocks)
    if len(clean.strip()) < 20:
        raise NotAReport(raw.source)
    doc_id = document_id(clean, kind, name)
    meta = DocumentMeta(
        doc_id=doc_id,
        ward=name,
        ward_kind=kind,
        doc_type=m.doc_type,
        doc_number=m.doc_number,
        date=m.date,
        title=m.title,
        signer=m.signer,
        years=m.years,
        source=raw.source,
        pages=raw.pages,
        issuer=m.issuer,
        issuer_parent=m.issuer_parent,
        area_level=m.area_level,
        ocr_pages=len(raw.ocr_pages),
    )
    label = meta.label
    ward_full = meta.ward_full

    def header_for(path: list[str]) -> str:
        parts = [ward_full, label]
        if path:
            parts.append(" > ".join(short_heading(h) for h in path))
        return " · ".join(parts)

    rows = tables.take_rows(sections)  # each table row is a passage of its own
    pieces = fit_tokens(chunk_sections(sections, cfg), header_for, cfg)
    row_pieces = [
        Piece(heading_path=path, text=f"{caption}\n{b.text}" if caption else b.text, page=b.page)
        for path, b, caption in rows
    ]
    pieces.extend(fit_tokens(row_pieces, header_for, cfg))
    if not pieces:
        raise NotAReport(raw.source)
    recipients = recipient_lines(end)
    if recipients:  # "Báo cáo gửi tới những nơi nào?": the list is part of the document
        pieces.append(
            Piece(heading_path=[RECIPIENTS_HEADING], text="\n".join(recipients), page=pieces[-1].page)
        )
    sign = signature_lines(end or blocks[-12:], meta.signer)
    if sign:  # who signed is a question officials ask; keep it citable
        pieces.append(Piece(heading_path=[SIGNATURE_HEADING], text="\n".join(sign), page=pieces[-1].page))
    chunks = [
        Chunk(
            id=chunk_id(doc_id, p.heading_path, p.text, pos),
            doc_id=doc_id,
            text=p.text,
            embed_text=f"{header_for(p.heading_path)}\n{p.text}",
            heading_path=p.heading_path,
            page=p.page,
            position=pos,
            ocr=p.page is not None and p.page in raw.ocr_pages,
        )
        for pos, p in enumerate(pieces)
    ]
    return ParsedDocument(metadata=meta, chunks=chunks, text=clean, ocr_page_numbers=list(raw.ocr_pages))


def render_clean_text(blocks: list[Block]) -> str:
    """The whole document as shown to users: one paragraph per line, notes after their paragraph."""
    out: list[str] = []
    for b in blocks:
        if b.text:
            out.append(footnotes.strip_markers(b.text))
        for num, body in b.notes:
            out.append(footnotes.note_line(num, body))
    return "\n".join(out)
