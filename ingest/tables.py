"""Tables → one readable line per data row, carrying its column headers.

A report's table (from pdfplumber's table finder or python-docx) comes as a grid of cells;
``None`` marks a cell covered by a merged neighbour. Header rows are the leading rows
before the first row holding a figure; a header spanning several columns ("Năm 2024"
over "KH" / "TH") is carried into each column it spans. Every data row then reads

    "Chỉ tiêu: Thu ngân sách | ĐVT: triệu đồng | Năm 2024 KH: 1.200 | Năm 2024 TH: 1.350"

and becomes a passage of its own (``take_rows``), cited with its page, so a question
about one cell finds the row with the names of its columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.rawdoc import Block, Section

Cell = str | None

_NUMERIC_RE = re.compile(r"^[-+]?[\d.,]+\s*%?$|^[\d.,]+\s*(?:ha|tỷ|triệu|người|hộ|%)$", re.IGNORECASE)
_INDEX_CELL_RE = re.compile(r"^\(?[0-9A-Za-z]{1,2}\)?(?:\s*=\s*\S+)?$")
_SPACES_RE = re.compile(r"\s+")
MAX_HEADER_ROWS = 3
_CAPTION_MAX = 160


@dataclass
class TableText:
    header: list[str]
    rows: list[str]


def is_grid(grid: list[list[Cell]]) -> bool:
    """A real table, not a page frame or a box around a paragraph: most rows have at
    least two filled cells."""
    rows = [r for r in grid if any(c and c.strip() for c in r)]
    multi = sum(1 for r in rows if sum(1 for c in r if c and c.strip()) >= 2)
    return len(rows) >= 2 and multi >= 0.5 * len(rows)


_LAYOUT_RE = re.compile(
    r"CỘNG\s+H[OÒ]A\s+XÃ\s+HỘI|Độc\s+lập|^Số\s*:|Nơi\s+nhận|TM\.\s|KT\.\s|CHỦ\s+TỊCH|GIÁM\s+ĐỐC",
    re.IGNORECASE | re.MULTILINE,
)


def is_layout(grid: list[list[Cell]]) -> bool:
    """A borderless table that only lays out the letterhead (two columns: issuer / national
    motto, number / place and date) or the signature block ("Nơi nhận" / "TM. …")."""
    rows = [r for r in grid if any(r)]
    width = max((len(r) for r in rows), default=0)
    text = "\n".join(c for r in rows for c in r if c)
    return 0 < len(rows) <= 4 and width <= 3 and bool(_LAYOUT_RE.search(text))


def _clean(c: Cell) -> Cell:
    return None if c is None else _SPACES_RE.sub(" ", c).strip()


def _is_data_row(row: list[Cell]) -> bool:
    """A row holding a figure in some column other than the first (the "TT" column)."""
    return any(c and _NUMERIC_RE.match(c) for c in row[1:])


def _is_index_row(row: list[Cell]) -> bool:
    """ "(1) (2) (3) …" or "A B 1 2 3" under the header: column numbers, not data."""
    cells = [c for c in row if c]
    return len(cells) >= 3 and all(_INDEX_CELL_RE.match(c) for c in cells) and len(cells) >= len(row) - 1


def header_rows(grid: list[list[Cell]]) -> int:
    """How many leading rows form the header (0 when the first row already holds data)."""
    for i, row in enumerate(grid[: MAX_HEADER_ROWS + 1]):
        if _is_data_row(row) and not _is_index_row(row):
            return i
        texts = sum(1 for c in row if c)
        if i > 0 and row[0] and texts < 0.5 * sum(1 for c in grid[0] if c):
            return i  # a group row ("I | CH.VT | VĂN THƯ, LƯU TRỮ") already belongs to the body
    return 1 if len(grid) > 1 else 0


def column_names(head: list[list[Cell]], width: int) -> list[str]:
    """Merge header rows into one name per column (spanning cells carried right)."""
    filled: list[list[str]] = []
    for r, row in enumerate(head):
        row = [*row, *([None] * (width - len(row)))]
        out: list[str] = []
        last = ""
        for c in row:
            if c is None and r < len(head) - 1:
                out.append(last)  # a cell spanning columns: carry it right
            else:
                last = c or ""
                out.append(last)
        filled.append(out)
    names: list[str] = []
    for j in range(width):
        parts: list[str] = []
        for filled_row in filled:
            p = filled_row[j]
            if p and p not in parts:
                parts.append(p)
        names.append(" ".join(parts))
    return names


def render(grid: list[list[Cell]], header: list[str] | None = None) -> TableText:
    """Grid → header names + one "Cột: giá trị | …" line per data row.

    ``header``: the column names of the same table on the previous page (a table running
    over a page break does not repeat its header)."""
    rows = [[_clean(c) for c in r] for r in grid]
    rows = [r for r in rows if any(r)]
    if not rows:
        return TableText([], [])
    width = max(len(r) for r in rows)
    n_head = header_rows(rows)
    if n_head == 0 and header and len(header) == width:
        names = header
    elif n_head == 0:
        names = [""] * width
    else:
        names = column_names([r for r in rows[:n_head] if not _is_index_row(r)], width)
    body = [r for r in rows[n_head:] if not _is_index_row(r)]
    useful = sum(1 for n in names if n) >= 2
    out: list[str] = []
    for r in body:
        cells: list[str] = []
        for j, c in enumerate(r):
            if not c:
                continue
            name = names[j] if useful and j < len(names) else ""
            cells.append(f"{name}: {c}" if name and name != c else c)
        if cells:
            out.append(" | ".join(cells))
    return TableText(names if useful else [], out)


def take_rows(sections: list[Section]) -> list[tuple[list[str], Block, str]]:
    """Remove the table-row blocks from ``sections``; return (heading path, row block,
    caption) for each, in document order. The caption is the short line just before the
    table ("Biểu 1: Kết quả thu ngân sách …"), when there is one."""
    out: list[tuple[list[str], Block, str]] = []
    for sec in sections:
        if not any(b.table for b in sec.blocks):
            continue
        kept: list[Block] = []
        caption = ""
        prev: Block | None = None
        for b in sec.blocks:
            if b.table:
                if prev is not None and not prev.table:
                    caption = prev.text if len(prev.text) <= _CAPTION_MAX else ""
                out.append((sec.heading_path, b, caption))
            else:
                kept.append(b)
            prev = b
        sec.blocks = kept
    return out
