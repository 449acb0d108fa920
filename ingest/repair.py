"""Repair badly extracted text at line level and join lines into paragraphs.

(Doubled characters are collapsed earlier, in ``ingest.undouble``, while loading.)

* drop noise: URL lines, bare page numbers, decoration rules ("–––––"), headers and
  footers repeated on many PDF pages;
* split the two-column letterhead ("UỶ BAN NHÂN DÂN CỘNG HOÀ XÃ HỘI …" /
  "PHƯỜNG NGÔ QUYỀN Độc lập - Tự do - Hạnh phúc") into its columns and mark the
  letterhead, number and place-date lines as metadata (never chunked);
* join hard-wrapped lines into paragraphs (PDF-like text), or repair paragraphs split by a
  page break (markdown text), without ever changing the words themselves.
"""

from __future__ import annotations

import re
from collections import Counter

from ingest.rawdoc import Block, Line

_URL_RE = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
_PAGE_NO_RE = re.compile(r"^[-–—]?\s*(?:Trang\s+)?\d{1,3}(?:\s*/\s*\d{1,3})?\s*[-–—]?$", re.IGNORECASE)
_RULE_RE = re.compile(r"^[\s\-–—_=*.·•~]{3,}$")
_NATION_RE = re.compile(
    r"C[ỘO]NG\s+H(?:OÀ|ÒA|OA)\s+X[ÃA]\s+H[ỘO]I\s+CH[ỦU]\s+NGH[ĨI]A\s+VI[ỆE]T\s+NAM", re.IGNORECASE
)
_MOTTO_RE = re.compile(r"Độc\s+lập\s*[-–]\s*Tự\s+do\s*[-–]\s*Hạnh\s+phúc", re.IGNORECASE)
_NUMBER_PLACE_RE = re.compile(r"^(Số\s*:?\s*\S*)\s+(\S.*?,\s*ngày\b.*)$")
_NUMBER_RE = re.compile(r"^Số\s*:?\s*\S*\s*$|^/\s*[0-9A-ZĐ][\w\-/.&]*$")
_PLACE_DATE_RE = re.compile(r"^[^,]{2,60},\s*ngày\s+\S*\s+tháng\s+\S*\s+năm\s+\d{4}", re.IGNORECASE)
_AGENCY_RE = re.compile(
    r"^(?:UBND|[ỦU][ỶY]\s+BAN\s+NHÂN\s+DÂN|HĐND|HỘI\s+ĐỒNG\s+NHÂN\s+DÂN)\b|^(?:PHƯỜNG|XÃ|THỊ\s+TRẤN)\s+\S"
)

MARKER_RE = re.compile(
    r"^(?:Phần\s+thứ\s|PHẦN\s|[IVXL]{1,6}\s*[.)]\s*\S|[A-ZĐ]\s*[.)]\s|\d{1,2}(?:\.\d{1,2}){0,2}\s*[.)]\s"
    r"|\d{1,2}\.\d{1,2}\s|[a-zđ]\s*[.)]\s|[-+*•–]\s|\(\d{1,3}\)\s)"
)
END_MATTER_RE = re.compile(r"^(?:Nơi\s+nhận\s*:?|TM\.\s|T/M\.?\s|KT\.\s+CHỦ\s+TỊCH)", re.IGNORECASE)
PART_RE = re.compile(r"^(?:Phần|PHẦN)\s+(?:thứ|THỨ)\s+\S+|^(?:Phần|PHẦN)\s+[IVX\d]+\b")
_SENTENCE_END = ".!?…:;"


def is_upper(text: str) -> bool:
    letters = sum(map(str.isalpha, text))
    if letters < 4:
        return False
    return sum(map(str.isupper, text)) / letters >= 0.75


def clean_lines(lines: list[Line], pdf_like: bool, paged: bool) -> list[Line]:
    """Drop noise lines, split the letterhead, flag metadata lines."""
    out: list[Line] = []
    repeated = _repeated_margins(lines) if paged else set()
    for ln in lines:
        t = ln.text
        if not t:
            out.append(ln)
            continue
        if _URL_RE.match(t) or _RULE_RE.match(t):
            continue
        if (pdf_like or paged) and _PAGE_NO_RE.match(t):
            continue
        if repeated and _margin_key(t) in repeated:
            continue
        out.append(ln)
    return _letterhead(out)


def _margin_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip().lower())


def _repeated_margins(lines: list[Line]) -> set[str]:
    """Texts found in the first/last two lines of at least half of the pages (≥ 3 pages)."""
    by_page: dict[int, list[str]] = {}
    for ln in lines:
        if ln.page is not None and ln.text:
            by_page.setdefault(ln.page, []).append(ln.text)
    if len(by_page) < 3:
        return set()
    counts: Counter[str] = Counter()
    for texts in by_page.values():
        keys = {_margin_key(t) for t in texts[:2] + texts[-2:]}
        counts.update(keys)
    need = max(3, len(by_page) // 2)
    return {k for k, c in counts.items() if c >= need and len(k) < 120}


def _letterhead(lines: list[Line]) -> list[Line]:
    """Split the two-column letterhead and mark metadata lines among the first lines."""
    out: list[Line] = []
    seen = 0
    i = 0
    while i < len(lines):
        ln = lines[i]
        if not ln.text:
            out.append(ln)
            i += 1
            continue
        seen += 1
        if seen > 15:
            out.extend(lines[i:])
            break
        t = ln.text
        m = _NATION_RE.search(t)
        if m and m.start() > 0:
            left1, right1 = t[: m.start()].strip(), t[m.start() :].strip()
            left2 = right2 = ""
            j = i + 1
            while j < len(lines) and not lines[j].text:
                j += 1
            if j < len(lines):
                mm = _MOTTO_RE.search(lines[j].text)
                if mm and mm.start() > 0:
                    left2, right2 = lines[j].text[: mm.start()].strip(), lines[j].text[mm.start() :].strip()
            for piece in (left1, left2, right1, right2):
                if piece:
                    out.append(_meta(ln, piece))
            i = j + 1 if left2 else i + 1
            continue
        mm = _MOTTO_RE.search(t)
        if mm and mm.start() > 0:
            out.append(_meta(ln, t[: mm.start()].strip()))
            out.append(_meta(ln, t[mm.start() :].strip()))
            i += 1
            continue
        m2 = _NUMBER_PLACE_RE.match(t)
        if m2:
            out.append(_meta(ln, m2.group(1).strip()))
            out.append(_meta(ln, m2.group(2).strip()))
            i += 1
            continue
        if (
            _NATION_RE.search(t)
            or _MOTTO_RE.search(t)
            or _NUMBER_RE.match(t)
            or _PLACE_DATE_RE.match(t)
            or (_AGENCY_RE.match(t) and is_upper(t) and len(t) < 60)
        ):
            out.append(_meta(ln, t))
        else:
            out.append(ln)
        i += 1
    return out


def _meta(ln: Line, text: str) -> Line:
    return Line(text=text, page=ln.page, bold=ln.bold, meta=True, keep=True)


# ---------------------------------------------------------------- joining lines


def line_width(lines: list[Line]) -> int:
    lengths = sorted(len(ln.text) for ln in lines if len(ln.text) >= 20 and not ln.meta)
    if not lengths:
        return 80
    return lengths[int(0.9 * (len(lengths) - 1))]


def build_blocks(lines: list[Line], pdf_like: bool, docx: bool = False) -> list[Block]:
    """Join lines into paragraphs."""
    blocks: list[Block] = []
    if docx:
        return [_to_block(ln) for ln in lines if ln.text]
    width = line_width(lines) if pdf_like else 0
    cur: Block | None = None
    cur_line: Line | None = None
    for ln in lines:
        if not ln.text:
            if not pdf_like and cur is not None:
                blocks.append(cur)
                cur = None
            continue
        if cur is not None and cur_line is not None:
            if _join_pdf(cur, cur_line, ln, width) if pdf_like else False:
                _append(cur, ln)
                cur_line = ln
                continue
            blocks.append(cur)
            cur = None
        if cur is None and not pdf_like and blocks and _join_page_break(blocks[-1], ln):
            cur = blocks.pop()
            _append(cur, ln)
            cur_line = ln
            continue
        if cur is not None:
            blocks.append(cur)
        cur = _to_block(ln)
        cur_line = ln
    if cur is not None:
        blocks.append(cur)
    return blocks


def _to_block(ln: Line) -> Block:
    return Block(
        text=ln.text, page=ln.page, bold=ln.bold, style_level=ln.style_level, table=ln.table, meta=ln.meta
    )


def _append(block: Block, ln: Line) -> None:
    """Append a line to a paragraph, remembering where a new page starts."""
    last_page = block.page_marks[-1][1] if block.page_marks else block.page
    joined = _concat(block.text, ln.text)
    if ln.page is not None and ln.page != last_page:
        block.page_marks.append((len(joined) - len(ln.text.lstrip()), ln.page))
    block.text = joined


def _concat(a: str, b: str) -> str:
    # a line ending in a hyphen stuck to its word was wrapped inside a compound ("17-" +
    # "CT/TU", "2022-" + "2023", "TÀI NGUYÊN-" + "MÔI TRƯỜNG"): Word and browsers break
    # after hyphens, and Vietnamese does not hyphenate syllables, so the hyphen stays, unspaced
    if len(a) > 1 and a.endswith("-") and not a[-2].isspace() and b[:1].isalnum():
        return a + b
    return a.rstrip() + " " + b.lstrip()


def _join_pdf(cur: Block, last: Line, nxt: Line, width: int) -> bool:
    """Does ``nxt`` continue the paragraph whose last line is ``last``?"""
    if last.keep or nxt.keep or last.meta or nxt.meta or last.table or nxt.table:
        return False
    t, n = last.text, nxt.text
    if MARKER_RE.match(n) or PART_RE.match(t):
        return False
    if t.rstrip().endswith("./.") or END_MATTER_RE.match(n):
        return False  # "./." closes the body; "Nơi nhận:" / "TM. …" start the end matter
    if last.bold != nxt.bold or len(cur.text) > 12000:
        return False
    if n[:1].islower():
        return True
    cu = is_upper(t)
    letters = [c for c in n if c.isalpha()]
    if cu and (is_upper(n) or (letters and all(c.isupper() for c in letters))):
        return len(cur.text) < 200  # an upper-case heading over two lines ("… KT-XH" + "NĂM 2023")
    if cu:
        return False
    if nxt.indent >= 4:
        return False
    # a short line ends a paragraph or is a heading; a full one was wrapped (even at a
    # sentence end: the next sentence of the same paragraph goes on)
    return len(t) >= 0.75 * width


def _join_page_break(prev: Block, ln: Line) -> bool:
    """Markdown/plain text: a paragraph cut by a page break (and maybe footnotes) goes on."""
    if prev.meta or prev.table or prev.bold or prev.style_level or ln.meta or ln.bold or ln.table:
        return False
    t, n = prev.text, ln.text
    if not t or MARKER_RE.match(n) or is_upper(t) or is_upper(n):
        return False
    if t[-1] in ".!?…":
        return False
    if n[:1].islower():
        return True
    return ln.after_note and t[-1] not in ":;"
