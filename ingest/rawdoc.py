"""Intermediate types between loading, repair, structure and chunking."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Line:
    """One line as loaded (a paragraph for .docx, a visual line for PDF)."""

    text: str
    page: int | None = None
    bold: bool = False  # whole line bold (markdown **…**, docx runs, PDF bold font)
    style_level: int | None = None  # markdown "#" count or docx "Heading n"
    table: bool = False  # a rendered table row
    meta: bool = False  # letterhead / number / place-date: metadata only, never chunked
    after_note: bool = False  # a footnote text was removed just before this line
    keep: bool = False  # never join with a neighbour
    indent: int = 0  # leading spaces in the source line (paragraph starts in PDF text)


@dataclass
class RawDocument:
    """What a loader returns: lines (blank lines are paragraph breaks unless ``pdf_like``)."""

    lines: list[Line]
    source: str
    fmt: str  # "txt" | "md" | "docx" | "pdf"
    pdf_like: bool = False  # hard-wrapped lines from a PDF-like extraction
    pages: int | None = None
    ocr_pages: list[int] = field(default_factory=list)  # pages read by OCR (no text layer)


@dataclass
class Block:
    """A paragraph after repair (joined lines), with its footnotes."""

    text: str
    page: int | None = None
    bold: bool = False
    style_level: int | None = None
    table: bool = False
    meta: bool = False
    notes: list[tuple[str, str]] = field(default_factory=list)  # (number, footnote text)
    page_marks: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, page from there on)

    def page_at(self, offset: int) -> int | None:
        """Page of the character at ``offset`` (a paragraph may run over a page break)."""
        page = self.page
        for off, p in self.page_marks:
            if off > offset:
                break
            page = p
        return page


@dataclass
class Section:
    heading_path: list[str]
    heading: str  # own heading line as displayed ("" for the preamble)
    blocks: list[Block] = field(default_factory=list)
    rank: int = -1  # heading rank (0 = "Phần thứ …"), -1 for the preamble

    @property
    def page(self) -> int | None:
        for b in self.blocks:
            if b.page is not None:
                return b.page
        return None
