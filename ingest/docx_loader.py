""".docx → RawDocument: paragraphs and tables in body order.

* A paragraph whose runs are all bold, or whose style is "Heading n", is marked as a
  heading hint (``bold`` / ``style_level``); "Title" style is kept as plain text.
* A table becomes readable lines: with a header row, each data row reads
  "Cột A: x; Cột B: y"; otherwise "a | b | c". Merged cells are not repeated.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from ingest.errors import CorruptDocx, EmptyFile
from ingest.loaders import clean_text
from ingest.rawdoc import Line, RawDocument

_HEADING_STYLE_RE = re.compile(r"^(?:Heading|Tiêu đề)\s*(\d)", re.IGNORECASE)


def load_docx(path: Path, data: bytes | None = None) -> RawDocument:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    raw = data if data is not None else path.read_bytes()
    if not raw:
        raise EmptyFile(path.name)
    try:
        doc = Document(io.BytesIO(raw))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise CorruptDocx(path.name, str(e)) from e
    except Exception as e:  # lxml errors and the like inside a broken package
        raise CorruptDocx(path.name, f"{type(e).__name__}: {e}") from e
    lines: list[Line] = []
    try:
        for kind, item in _iter_body(doc):
            if kind == "p":
                line = _paragraph_line(item)
                if line is not None:
                    lines.append(line)
            else:
                lines.extend(_table_lines(item))
                lines.append(Line(text=""))
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


def _paragraph_line(p: Any) -> Line | None:
    text = clean_text(p.text).replace("\n", " ").strip()
    text = re.sub(r"[ \t]{2,}", " ", text)
    if not text:
        return None
    style = (p.style.name if p.style is not None else "") or ""
    level = None
    m = _HEADING_STYLE_RE.match(style)
    if m:
        level = int(m.group(1))
    runs = [r for r in p.runs if r.text.strip()]
    bold = bool(runs) and all(_run_bold(r, p) for r in runs)
    return Line(text=text, bold=bold, style_level=level)


def _run_bold(run: Any, p: Any) -> bool:
    if run.bold is not None:
        return bool(run.bold)
    style = p.style
    while style is not None:
        if style.font is not None and style.font.bold is not None:
            return bool(style.font.bold)
        style = style.base_style
    return False


def _cell_text(cell: Any) -> str:
    return re.sub(r"\s+", " ", clean_text(cell.text)).strip()


def _table_lines(table: Any) -> list[Line]:
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        prev_tc = None
        for cell in row.cells:
            if cell._tc is prev_tc:  # horizontally merged cell repeated by python-docx
                continue
            prev_tc = cell._tc
            cells.append(_cell_text(cell))
        if any(cells):
            rows.append(cells)
    if not rows:
        return []
    header = rows[0]
    use_header = (
        len(rows) > 1
        and len(header) >= 2
        and all(header)
        and len(set(header)) == len(header)
        and not any(re.fullmatch(r"[\d.,%\s]+", h) for h in header)
    )
    out: list[Line] = []
    if use_header:
        out.append(Line(text=" | ".join(header), table=True, bold=True))
        for r in rows[1:]:
            pairs = [f"{h}: {v}" for h, v in zip(header, r, strict=False) if v]
            extra = [v for v in r[len(header) :] if v]
            out.append(Line(text="; ".join(pairs + extra), table=True))
    else:
        out.extend(Line(text=" | ".join(c for c in r if c), table=True) for r in rows)
    return out
