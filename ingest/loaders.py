"""Load a file into a ``RawDocument`` (lines with page numbers and style hints).

* ``.txt`` / ``.md`` — decoded by ``ingest.encoding``; markdown-ish text (``**bold**``
  lines, ``#`` headings, ``<sup>`` footnote markers) keeps its bold/heading hints;
  hard-wrapped text pulled out of a PDF is flagged ``pdf_like`` so repair joins lines.
* ``.docx`` — ``ingest.docx_loader``; ``.pdf`` — ``ingest.pdf_loader``.

Every line is NFC and has doubled "fake bold" characters collapsed (``undouble``).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from pathlib import Path

from ingest import tables
from ingest.encoding import decode_bytes
from ingest.errors import UnsupportedFormat
from ingest.limits import ReadBudget, ReadLimits
from ingest.rawdoc import Line, RawDocument
from ingest.undouble import undouble

SUPPORTED_EXTENSIONS = (".txt", ".md", ".docx", ".pdf")

_MD_HINT_RE = re.compile(r"^\s*(#{1,6}\s|\*\*)|<sup>|\*\*\s*$", re.MULTILINE)
_HEADING_HASH_RE = re.compile(r"^(#{1,6})\s+")
_ITALIC_RE = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_TERMINAL = ".!?:;…"
_SPACES_RE = re.compile(r"[ \t]{2,}")
_ESCAPE_RE = re.compile(r"\\([-*_#.()\[\]])")
_LOOSE_MARK_RE = re.compile(r"[ \t]+([\u0300-\u036f])")


def clean_text(text: str) -> str:
    """NFC + collapse doubled characters; also normalises odd spaces. Combining marks
    that extraction separated from their letter ("NGHI ̃A") are glued back first."""
    if _LOOSE_MARK_RE.search(text):
        text = _LOOSE_MARK_RE.sub(r"\1", unicodedata.normalize("NFD", text))
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "").replace("\r\n", "\n")
    text = text.replace("\r", "\n")
    return undouble(text)


def load_path(path: Path, data: bytes | None = None, budget: ReadBudget | None = None) -> RawDocument:
    """Load ``path`` (or its bytes ``data``), within ``budget`` (default limits when None)."""
    ext = path.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise UnsupportedFormat(path.name, SUPPORTED_EXTENSIONS)
    budget = budget or ReadBudget(ReadLimits(), path.name)
    if ext == ".pdf":
        from ingest.pdf_loader import load_pdf

        return load_pdf(path, data, budget)
    if ext == ".docx":
        from ingest.docx_loader import load_docx

        return load_docx(path, data, budget)
    raw = data if data is not None else path.read_bytes()
    text = decode_bytes(raw, path.name)
    budget.add_chars(len(text))
    return load_text(text, path.name, fmt=ext.lstrip("."))


def load_text(text: str, source: str, fmt: str = "txt") -> RawDocument:
    """Text already decoded → RawDocument (markdown hints, PDF-like detection, form feeds = pages)."""
    text = clean_text(text)
    pages = text.split("\f") if "\f" in text else [text]
    markdown = fmt == "md" or len(_MD_HINT_RE.findall(text)) >= 3
    lines: list[Line] = []
    for pno, page_text in enumerate(pages, start=1):
        page = pno if len(pages) > 1 else None
        raw_lines = page_text.split("\n")
        i = 0
        while i < len(raw_lines):
            n, rows = _text_table(raw_lines, i)
            if rows:
                lines.extend(Line(text=r, page=page, table=True, keep=True) for r in rows)
                i += n
                continue
            raw_line = raw_lines[i]
            lines.append(_md_line(raw_line, page) if markdown else _plain_line(raw_line, page))
            i += 1
    pdf_like = not markdown and looks_hard_wrapped(lines)
    return RawDocument(
        lines=lines, source=source, fmt=fmt, pdf_like=pdf_like, pages=len(pages) if len(pages) > 1 else None
    )


_PIPE_ROW_RE = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE_RE = re.compile(r"^:?-{2,}:?$")


def _split_row(raw: str) -> list[str] | None:
    """The cells of a markdown/pipe table line ("| 1 | Thu ngân sách | 1.350 |") or of a line
    with tab-separated columns (a table copied from a web page or a spreadsheet)."""
    if _PIPE_ROW_RE.match(raw):
        return [c.strip() for c in raw.strip().strip("|").split("|")]
    if raw.count("\t") >= 2:
        cells = [c.strip() for c in raw.strip().split("\t")]
        if sum(1 for c in cells if c) >= 3:
            return cells
    return None


def _text_table(raw_lines: list[str], start: int) -> tuple[int, list[str]]:
    """(lines used, rendered rows) of a table written in text from ``start``, else (0, [])."""
    grid: list[list[str | None]] = []
    i = start
    while i < len(raw_lines):
        cells = _split_row(raw_lines[i])
        if cells is None:
            break
        if not all(_PIPE_RULE_RE.match(c.replace(" ", "")) or not c for c in cells):
            grid.append([_clean_cell(c) or None for c in cells])
        i += 1
    if len(grid) < 2 or not tables.is_grid(grid):
        return 0, []
    return i - start, tables.render(grid).rows


def _clean_cell(cell: str) -> str:
    """A table cell as text: markdown emphasis and escapes removed, spaces collapsed."""
    return _md_line(cell, None).text


def _plain_line(raw: str, page: int | None) -> Line:
    stripped = raw.strip()
    indent = len(raw) - len(raw.lstrip(" \t")) if stripped else 0
    if "  " in stripped or "\t" in stripped:
        stripped = _SPACES_RE.sub(" ", stripped)
    return Line(text=stripped, page=page, indent=indent)


def _md_line(raw: str, page: int | None) -> Line:
    s = raw.strip()
    level = None
    m = _HEADING_HASH_RE.match(s)
    if m:
        level = len(m.group(1))
        s = s[m.end() :].strip()
    inner = s[2:] if s.startswith("**") else s
    inner = inner[:-2] if inner.endswith("**") else inner
    bold = (s.startswith("**") or s.endswith("**")) and "**" not in inner and len(inner.strip()) > 0
    s = s.replace("**", "").replace("__", "")
    if "*" in s:
        s = _ITALIC_RE.sub(r"\1", s)
    if "\\" in s:
        s = _ESCAPE_RE.sub(r"\1", s)  # markdown escapes
    if "  " in s or "\t" in s:
        s = _SPACES_RE.sub(" ", s)
    s = s.strip()
    return Line(text=s, page=page, bold=bold, style_level=level)


def looks_hard_wrapped(lines: list[Line]) -> bool:
    """Text pulled out of a PDF: many lines end mid-sentence and the next one continues."""
    texts = [ln.text for ln in lines if ln.text]
    if len(texts) < 8:
        return False
    cont = 0
    for a, b in itertools.pairwise(texts):
        if a[-1] not in _TERMINAL and b[:1].islower():
            cont += 1
    return cont / (len(texts) - 1) > 0.15
