""".docx → RawDocument: paragraphs and tables in body order.

* A paragraph whose runs are all bold, or whose style is "Heading n", is marked as a
  heading hint (``bold`` / ``style_level``); "Title" style is kept as plain text.
* A table becomes one line per data row carrying its column headers
  ("Chỉ tiêu: Thu ngân sách | Thực hiện: 1.350", see ``ingest.tables``); merged cells are
  not repeated.
* Footnotes (word/footnotes.xml) are put back where they are referenced, as "(n)" markers
  followed by the note, like the footnotes of PDF text.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from ingest import tables
from ingest.errors import CorruptDocx, EmptyFile, LimitExceeded
from ingest.limits import ReadBudget, ReadLimits, check_zip
from ingest.loaders import clean_text
from ingest.rawdoc import Line, RawDocument

_HEADING_STYLE_RE = re.compile(r"^(?:Heading|Tiêu đề)\s*(\d)", re.IGNORECASE)


def load_docx(path: Path, data: bytes | None = None, budget: ReadBudget | None = None) -> RawDocument:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    raw = data if data is not None else path.read_bytes()
    if not raw:
        raise EmptyFile(path.name)
    budget = budget or ReadBudget(ReadLimits(), path.name)
    check_zip(io.BytesIO(raw), budget)  # member count and inflated size, before python-docx reads it
    try:
        doc = Document(io.BytesIO(raw))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise CorruptDocx(path.name, str(e)) from e
    except Exception as e:  # lxml errors and the like inside a broken package
        raise CorruptDocx(path.name, f"{type(e).__name__}: {e}") from e
    lines: list[Line] = []
    try:
        notes = _footnotes(doc)
        order: dict[str, str] = {}  # footnote id → number shown ("1", "2", … in reference order)
        for kind, item in _iter_body(doc):
            if kind == "p":
                line = _paragraph_line(item, notes, order)
                if line is not None:
                    lines.append(line)
                    budget.add_chars(len(line.text))
            else:
                rows = _table_lines(item)
                lines.extend(rows)
                lines.append(Line(text=""))
                budget.add_chars(sum(len(r.text) for r in rows))
            budget.tick()
        # note texts after the body, in the form ``ingest.footnotes`` puts back in place
        lines.extend(Line(text=f"<sup>({num})</sup> {notes[fid]}") for fid, num in order.items())
    except LimitExceeded:
        raise
    except Exception as e:
        raise CorruptDocx(path.name, f"{type(e).__name__}: {e}") from e
    if not any(ln.text for ln in lines):
        raise EmptyFile(path.name)
    return RawDocument(lines=lines, source=path.name, fmt="docx", pdf_like=False)


def _iter_body(doc: Any) -> Any:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = doc.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield "p", Paragraph(child, doc)
        elif tag == "tbl":
            yield "t", Table(child, doc)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FOOTNOTES_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"


def _footnotes(doc: Any) -> dict[str, str]:
    """Footnote id → its text (word/footnotes.xml); separators are skipped."""
    from lxml import etree

    out: dict[str, str] = {}
    for rel in doc.part.rels.values():
        if rel.reltype != _FOOTNOTES_RT or rel.is_external:
            continue
        root = etree.fromstring(rel.target_part.blob)
        for fn in root.iter(f"{_W}footnote"):
            if fn.get(f"{_W}type") in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            text = "".join(t.text or "" for t in fn.iter(f"{_W}t"))
            text = re.sub(r"\s+", " ", clean_text(text)).strip()
            if text:
                out[str(fn.get(f"{_W}id"))] = text
    return out


def _paragraph_text(p: Any, notes: dict[str, str], order: dict[str, str]) -> str:
    """Paragraph text with "<sup>(n)</sup>" where it references footnote n."""
    if not notes or p._p.find(f".//{_W}footnoteReference") is None:
        return str(p.text)
    parts: list[str] = []
    for el in p._p.iter():
        tag = el.tag
        if tag == f"{_W}t":
            parts.append(el.text or "")
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append(" ")
        elif tag == f"{_W}footnoteReference":
            fid = str(el.get(f"{_W}id"))
            if fid in notes:
                num = order.setdefault(fid, str(len(order) + 1))
                parts.append(f"<sup>({num})</sup>")
    return "".join(parts)


def _paragraph_line(
    p: Any, notes: dict[str, str] | None = None, order: dict[str, str] | None = None
) -> Line | None:
    raw = _paragraph_text(p, notes or {}, order if order is not None else {})
    text = clean_text(raw).replace("\n", " ").strip()
    text = re.sub(r"[ \t]{2,}", " ", text)
    if not text:
        return None
    pstyle = _style_of(p)
    style = (pstyle.name if pstyle is not None else "") or ""
    level = None
    m = _HEADING_STYLE_RE.match(style)
    if m:
        level = int(m.group(1))
    runs = [r for r in p.runs if r.text.strip()]
    bold = bool(runs) and all(_run_bold(r, pstyle) for r in runs)
    return Line(text=text, bold=bold, style_level=level)


def _style_of(p: Any) -> Any:
    """``p.style``, looked up once per style id and document: python-docx scans every style
    of the document on each lookup, which made a long document quadratic (issue 17)."""
    cache: dict[Any, Any] = p.part.__dict__.setdefault("_baocao_style_cache", {})
    key = p._p.style  # the pStyle id, None for the default paragraph style
    if key not in cache:
        cache[key] = p.style
    return cache[key]


def _run_bold(run: Any, pstyle: Any) -> bool:
    if run.bold is not None:
        return bool(run.bold)
    style = pstyle
    while style is not None:
        if style.font is not None and style.font.bold is not None:
            return bool(style.font.bold)
        style = style.base_style
    return False


def _cell_text(cell: Any) -> str:
    return re.sub(r"\s+", " ", clean_text(cell.text)).strip()


def _table_lines(table: Any) -> list[Line]:
    """One line per data row with its column headers (``ingest.tables``); a cell merged
    with its left or upper neighbour is ``None`` in the grid (python-docx repeats it)."""
    grid: list[list[str | None]] = []
    row_index: list[int] = []
    above: list[Any] = []
    for ri, row in enumerate(table.rows):
        cells: list[str | None] = []
        tcs: list[Any] = []
        prev_tc = None
        for j, cell in enumerate(row.cells):
            tc = cell._tc
            merged = tc is prev_tc or (j < len(above) and above[j] is tc)
            cells.append(None if merged else _cell_text(cell))
            tcs.append(tc)
            prev_tc = tc
        above = tcs
        if any(cells):
            grid.append(cells)
            row_index.append(ri)
    if tables.is_layout(grid):  # the letterhead or the signature block laid out in a table
        return [
            Line(text=t, bold=True)
            for col in range(max(len(r) for r in grid))
            for r, ri in zip(grid, row_index, strict=True)
            if col < len(r) and r[col]
            for t in _cell_lines(table, ri, col)
        ]
    rendered = tables.render(grid)
    return [Line(text=r, table=True) for r in rendered.rows]


def _cell_lines(table: Any, r: int, c: int) -> list[str]:
    """The paragraphs of one cell, one line each ("ỦY BAN NHÂN DÂN" / "XÃ HÀM TÂN")."""
    cell = table.rows[r].cells[c]
    out = [re.sub(r"\s+", " ", t).strip() for p in cell.paragraphs for t in clean_text(p.text).split("\n")]
    return [t for t in out if t]
