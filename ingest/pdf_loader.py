""".pdf → RawDocument with the page number of every line (pdfplumber).

* "Fake bold" (each glyph drawn twice at almost the same place) is removed at the PDF
  level with ``page.dedupe_chars()``; ``undouble`` still runs on the text as a safety net.
* Superscripts (Word's footnote markers "5,89ha⁽²⁾", "m²") are put back on the line they are
  raised from, right after the character they follow; left alone, a raised "(2)" forms a
  line of its own between two text lines and lands inside the paragraph at the wrong place.
* Two columns side by side (the letterhead and the signature block of a Word document are
  borderless two-column tables) are read column by column: text lines split by a wide gap
  that stays at one place over several lines give their left parts, then their right parts,
  instead of "- Lãnh đạo UBND thành phố CHỦ TỊCH" mixing the "Nơi nhận" list with the signer.
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
import itertools
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


SUPERSCRIPT_SIZE = 0.9  # of the character it follows: Word draws superscripts at ~0.65, browsers ~0.83
SUPERSCRIPT_RISE = 0.2  # its baseline at least this many ems above that character's


def _inline_superscripts(page: Any) -> Any:
    """The page with every raised, smaller character moved onto the line of the character it
    follows (same top and bottom), so text lines read "5,89ha(2)." as the text runs."""
    from pdfplumber.page import FilteredPage

    chars = page.chars
    out = []
    base: dict[str, Any] | None = None  # the last full-size character
    prev: dict[str, Any] | None = None  # the last character placed (raised or not)
    moved = False
    for c in chars:
        if not _visible(c):
            out.append(c)
            continue
        raised = (
            base is not None
            and prev is not None
            and c["size"] <= SUPERSCRIPT_SIZE * base["size"]
            and c["bottom"] <= base["bottom"] - SUPERSCRIPT_RISE * base["size"]
            and c["bottom"] > base["top"]
            and -0.1 * base["size"] <= c["x0"] - prev["x1"] <= base["size"]
        )
        if raised and base is not None:
            c = {**c, **{k: base[k] for k in ("top", "bottom", "y0", "y1", "doctop")}}
            moved = True
        else:
            base = c
        prev = c
        out.append(c)
    if not moved:
        return page
    fixed = FilteredPage(page, lambda _obj: True)
    fixed._objects = {**page.objects, "char": out}  # as pdfplumber's own dedupe_chars does
    return fixed


def _page_lines(page: Any, pno: int, state: _TableState | None = None) -> list[Line]:
    from pdfplumber.utils import extract_text

    state = state or _TableState()
    page = _inline_superscripts(page.dedupe_chars(tolerance=1))
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
    rows: list[tuple[float, list[Chars]]] = []
    spaces = [c for c in page.chars if not _visible(c)]
    for tl in page.extract_text_lines(layout=False, strip=True, return_chars=True):
        if boxes and in_table(tl):
            continue
        # the line's characters with the space glyphs between them (text lines leave those
        # out, and pdfplumber reads a space glyph, not only a gap, as the end of a word)
        chars = tl.get("chars", []) + [
            c for c in spaces if tl["top"] - 1 <= c["top"] <= tl["bottom"] and tl["x0"] <= c["x0"] <= tl["x1"]
        ]
        if any(_visible(c) for c in chars) and clean_text(tl["text"]).strip():
            rows.append((tl["top"], _segments(chars)))
    for top, parts in _read_columns(rows):
        text = clean_text(" ".join(extract_text(parts).split("\n"))).strip()
        if text:
            seen = [c for c in parts if _visible(c)]
            bold = sum(1 for c in seen if _bold_font(c.get("fontname", ""))) >= 0.8 * len(seen)
            items.append((top, [Line(text=re.sub(r"[ \t]{2,}", " ", text), page=pno, bold=bold)]))
    for t in found:
        grid = [[None if c is None else clean_text(c) for c in row] for row in t.extract()]
        rendered = tables.render(grid, header=state.header)
        if rendered.header:
            state.header = rendered.header
        table_lines = [Line(text=r, page=pno, table=True) for r in rendered.rows]
        if table_lines:
            items.append((t.bbox[1], [*table_lines, Line(text="", page=pno)]))
    items.sort(key=lambda it: it[0])
    return [ln for _, group in items for ln in group]


def _visible(c: dict[str, Any]) -> bool:
    """A glyph that prints (not a space)."""
    return bool(c.get("text", "").strip())


COLUMN_GAP = 1.5  # ems of empty space between two columns (words are < 1 em apart)
COLUMN_ALPHA = 0.6  # share of letters in the right column: names and titles, not a column of figures
COLUMN_LEADING = 6.0  # line heights a column may skip (the signer's name under blank lines)
Chars = list[dict[str, Any]]


def _segments(chars: Chars) -> list[Chars]:
    """A text line's characters cut where a gap of COLUMN_GAP ems separates two visible ones
    (a space glyph stays with the piece it follows, so the piece's words keep their spaces)."""
    ordered = sorted(chars, key=lambda c: c["x0"])
    seen = [c for c in ordered if _visible(c)]
    em = sorted(c["size"] for c in seen)[len(seen) // 2] or 1.0
    segs: list[Chars] = [[]]
    last: dict[str, Any] | None = None  # the last visible character
    for c in ordered:
        visible = _visible(c)
        if visible and last is not None and c["x0"] - last["x1"] >= COLUMN_GAP * em:
            segs.append([])
        segs[-1].append(c)
        if visible:
            last = c
    return [seg for seg in segs if any(_visible(c) for c in seg)]


def _span(seg: Chars) -> tuple[float, float]:
    """Left and right edge of a piece's visible characters."""
    seen = [c for c in seg if _visible(c)]
    return min(c["x0"] for c in seen), max(c["x1"] for c in seen)


def _read_columns(rows: list[tuple[float, list[Chars]]]) -> list[tuple[float, Chars]]:
    """The page's text lines in reading order: a run of lines that leave one vertical band
    empty between two columns, each column holding at least two pieces, gives its left
    pieces, then its right ones; every other line is read whole."""
    out: list[tuple[float, Chars]] = []
    i = 0
    while i < len(rows):
        end, split = _column_run(rows, i)
        if end > i:
            pieces = [seg for _top, segs in rows[i:end] for seg in segs]
            ordered = [p for p in pieces if _span(p)[1] <= split] + [
                p for p in pieces if _span(p)[0] >= split
            ]
            # positions that keep this order when the page's lines and tables are sorted by top
            out.extend((rows[i][0] + k * 1e-3, p) for k, p in enumerate(ordered))
            i = end
        else:
            top, segs = rows[i]
            out.append((top, [c for seg in segs for c in seg]))
            i += 1
    return out


def _widest_gap(spans: list[tuple[float, float]]) -> tuple[float, float] | None:
    """The widest empty band between the spans (None when they leave none inside)."""
    merged: list[list[float]] = []
    for x0, x1 in sorted(spans):
        if merged and x0 <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], x1)
        else:
            merged.append([x0, x1])
    gaps = [(a[1], b[0]) for a, b in itertools.pairwise(merged)]
    return max(gaps, key=lambda g: g[1] - g[0]) if gaps else None


def _column_run(rows: list[tuple[float, list[Chars]]], i: int) -> tuple[int, float]:
    """(end, split x) of the longest two-column run starting at row ``i``; end == i if none."""
    first = [c for seg in rows[i][1] for c in seg]
    em = sorted(c["size"] for c in first)[len(first) // 2] or 1.0
    spans: list[tuple[float, float]] = []
    best = (i, 0.0)
    j = i
    while j < len(rows) and (j == i or rows[j][0] - rows[j - 1][0] <= COLUMN_LEADING * em * 1.5):
        spans += [_span(seg) for seg in rows[j][1]]
        gap = _widest_gap(spans)
        if gap is None or gap[1] - gap[0] < COLUMN_GAP * em:
            break
        j += 1
        split = (gap[0] + gap[1]) / 2
        pieces = [seg for _, segs in rows[i:j] for seg in segs]
        right = [seg for seg in pieces if _span(seg)[0] >= split]
        chars = [c for seg in right for c in seg if _visible(c)]
        if (
            len(pieces) - len(right) >= 2
            and len(right) >= 2
            and sum(1 for c in chars if c["text"].isalpha()) >= COLUMN_ALPHA * len(chars)
        ):
            best = (j, split)
    return best


def _bold_font(name: str) -> bool:
    n = name.lower()
    return "bold" in n or "black" in n or "heavy" in n or n.endswith(",b") or "-bd" in n
