""".pdf → RawDocument with the page number of every line (pdfplumber).

* "Fake bold" (each glyph drawn twice at almost the same place) is removed at the PDF
  level with ``page.dedupe_chars()``; ``undouble`` still runs on the text as a safety net.
* Lines whose characters are mostly in a bold font are marked bold (heading hint).
* Tables found by pdfplumber's table finder become one line per data row carrying its
  column headers ("Chỉ tiêu: Thu ngân sách | Thực hiện: 1.350"), see ``ingest.tables``;
  a table running over a page break keeps the header of its first page.
* A page without a text layer (a scan) is read by OCR (``ingest.ocr``, Tesseract "vie")
  when Tesseract is installed; its page number is listed in ``RawDocument.ocr_pages``.
* Encrypted → EncryptedPdf; unreadable → CorruptPdf; no text at all (and no OCR) → ScannedPdf.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Any

from ingest import ocr, tables
from ingest.errors import CorruptPdf, EmptyFile, EncryptedPdf, LimitExceeded, ScannedPdf
from ingest.limits import ReadBudget, ReadLimits, count_inflated
from ingest.loaders import clean_text
from ingest.rawdoc import Line, RawDocument

log = logging.getLogger(__name__)


def _is_password_error(e: BaseException) -> bool:
    seen: set[int] = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        name = type(cur).__name__
        if "Password" in name or "Encrypt" in name:
            return True
        args = getattr(cur, "args", ())
        nxt = args[0] if args and isinstance(args[0], BaseException) else None
        cur = nxt or cur.__cause__ or cur.__context__
    return False


def _declared_pages(pdf: Any) -> int | None:
    """The page count the document catalog declares (read before any page is parsed)."""
    try:
        from pdfminer.pdftypes import resolve1

        pages = resolve1(pdf.doc.catalog["Pages"])
        count = resolve1(pages.get("Count"))
        return int(count) if isinstance(count, int) else None
    except Exception:  # a broken catalog is found out by the page loop below
        return None


def _count_content(page: Any, budget: ReadBudget) -> None:
    """Count what the page's content streams inflate to, before pdfminer decodes them.

    A stream filtered by FlateDecode alone is inflated piece by piece and thrown away, so a
    small PDF holding a huge stream is refused without ever holding it; other filters are
    decoded by pdfminer (which keeps the result for the parse) and counted."""
    from pdfminer.pdftypes import resolve1

    contents = resolve1(page.page_obj.attrs.get("Contents"))
    streams = contents if isinstance(contents, list) else [contents]
    for s in streams:
        s = resolve1(s)
        if not hasattr(s, "get_data"):
            continue
        filters = s.get_filters() if hasattr(s, "get_filters") else []
        names = [getattr(f, "name", f) for f, _ in filters]
        plain = getattr(s, "decipher", None) is None and getattr(s, "data", None) is None
        if names in (["FlateDecode"], ["Fl"]) and plain and s.rawdata is not None:
            count_inflated(s.rawdata, budget)
        else:
            budget.add_inflated(len(s.get_data()))


def load_pdf(path: Path, data: bytes | None = None, budget: ReadBudget | None = None) -> RawDocument:
    import pdfplumber

    raw = data if data is not None else path.read_bytes()
    if not raw:
        raise EmptyFile(path.name)
    if b"%PDF-" not in raw[:1024]:  # readers accept junk before the header (within 1 KB)
        raise CorruptPdf(path.name, "missing %PDF header")
    try:
        pdf = pdfplumber.open(io.BytesIO(raw))
    except Exception as e:
        if _is_password_error(e):
            raise EncryptedPdf(path.name) from e
        raise CorruptPdf(path.name, f"{type(e).__name__}: {e}") from e
    lines: list[Line] = []
    ocr_pages: list[int] = []
    budget = budget or ReadBudget(ReadLimits(), path.name)
    try:
        with pdf:
            declared = _declared_pages(pdf)
            if declared is not None:
                budget.check_pages(declared)
            n_pages = len(pdf.pages)
            budget.check_pages(n_pages)
            any_text = False
            state = _TableState()
            for pno, page in enumerate(pdf.pages, start=1):
                _count_content(page, budget)
                if (ocr.needs_ocr(page) or ocr.garbled_text_layer(page)) and ocr.available():
                    page_lines = _ocr_lines(raw, pno)
                    if page_lines:
                        ocr_pages.append(pno)
                else:
                    page_lines = _page_lines(page, pno, state)
                if any(ln.text for ln in page_lines):
                    any_text = True
                budget.add_chars(sum(len(ln.text) for ln in page_lines))
                lines.extend(page_lines)
                page.close()  # drop the page's parsed objects: memory stays per page
    except (EncryptedPdf, CorruptPdf, LimitExceeded):
        raise
    except Exception as e:
        if _is_password_error(e):
            raise EncryptedPdf(path.name) from e
        raise CorruptPdf(path.name, f"{type(e).__name__}: {e}") from e
    if not any_text:
        raise ScannedPdf(path.name)
    return RawDocument(
        lines=lines, source=path.name, fmt="pdf", pdf_like=True, pages=n_pages, ocr_pages=ocr_pages
    )


class _TableState:
    """The header of the last table seen, for a table continued on the next page."""

    def __init__(self) -> None:
        self.header: list[str] | None = None


def _ocr_lines(raw: bytes, pno: int) -> list[Line]:
    log.info("OCR page %d", pno)
    try:
        text = ocr.page_text(raw, pno - 1)
    except Exception:  # one unreadable page does not lose the document
        log.warning("OCR failed on page %d", pno, exc_info=True)
        return []
    return [Line(text=re.sub(r"[ \t]{2,}", " ", t.strip()), page=pno) for t in text.split("\n")]


def _page_lines(page: Any, pno: int, state: _TableState | None = None) -> list[Line]:
    state = state or _TableState()
    page = page.dedupe_chars(tolerance=1)
    found = []
    try:
        found = [t for t in page.find_tables() if len(t.rows) >= 2 and tables.is_grid(t.extract())]
    except Exception:  # table detection is best effort
        found = []
    boxes = [t.bbox for t in found]

    def in_table(obj: dict[str, Any]) -> bool:
        cx = (obj["x0"] + obj["x1"]) / 2
        cy = (obj["top"] + obj["bottom"]) / 2
        return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    items: list[tuple[float, list[Line]]] = []
    for tl in page.extract_text_lines(layout=False, strip=True, return_chars=True):
        if boxes and in_table(tl):
            continue
        text = clean_text(tl["text"]).strip()
        if not text:
            continue
        chars = [c for c in tl.get("chars", []) if c.get("text", "").strip()]
        bold = bool(chars) and sum(1 for c in chars if _bold_font(c.get("fontname", ""))) >= 0.8 * len(chars)
        indent = 0
        items.append(
            (tl["top"], [Line(text=re.sub(r"[ \t]{2,}", " ", text), page=pno, bold=bold, indent=indent)])
        )
    for t in found:
        grid = [[None if c is None else clean_text(c) for c in row] for row in t.extract()]
        rendered = tables.render(grid, header=state.header)
        if rendered.header:
            state.header = rendered.header
        rows = [Line(text=r, page=pno, table=True) for r in rendered.rows]
        if rows:
            items.append((t.bbox[1], [*rows, Line(text="", page=pno)]))
    items.sort(key=lambda it: it[0])
    return [ln for _, group in items for ln in group]


def _bold_font(name: str) -> bool:
    n = name.lower()
    return "bold" in n or "black" in n or "heavy" in n or n.endswith(",b") or "-bd" in n
