"""Recognise Vietnamese administrative headings and build the section tree.

Heading kinds, from the top: "Phần thứ nhất" (+ its title line) → "A." → "I." →
"1." → "1.1." → "1.1.1." → "a)"/"a." → "* …:" → an unnumbered bold/styled line.
A heading closes every open heading of the same or a lower kind (levels by kind,
nesting by order of appearance).

Numbered lines are headings only when title-like (short, no sentence inside) —
"b) Công tác quản lý đô thị, xây dựng: Thực hiện tốt…" splits into heading + body —
and a run of same-kind items where one is a real sentence is a list, not headings.
Bold (markdown ``**…**``, docx, PDF bold font) headings are trusted as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.rawdoc import Block, Section
from ingest.repair import END_MATTER_RE, PART_RE, is_upper

PART, LETTER, ROMAN, NUM, NUM2, NUM3, LOWER, STAR, PLAIN = range(9)

_ROMAN_RE = re.compile(r"^((?:X{0,3})(?:IX|IV|V?I{0,3}))\s*[.)]\s*(\S.*)$")
_LETTER_RE = re.compile(r"^([A-HJ-UWYZĐ])\s*[.)]\s+(\S.*)$")
_NUM_RE = re.compile(r"^(\d{1,2})\s*[.)](?!\d)\s*(\S.*)$")
_NUM2_RE = re.compile(r"^(\d{1,2}\.\d{1,2})\.?(?!\d)\s+(\S.*)$")
_NUM3_RE = re.compile(r"^(\d{1,2}\.\d{1,2}\.\d{1,2})\.?(?!\d)\s+(\S.*)$")
_LOWER_RE = re.compile(r"^([a-zđ])\s*[.)]\s+(\S.*)$")
_STAR_RE = re.compile(r"^\*\s+(\S.*)$")
_PART_FULL_RE = re.compile(r"^((?:Phần|PHẦN)\s+(?:(?:thứ|THỨ)\s+\S+|[IVX\d]+))\s*[:.\-–]?\s*(.*)$")
_SENTENCE_IN_RE = re.compile(r"[.;!?…]\s+\S")
NUMBERED = (NUM, NUM2, NUM3, LOWER, STAR)


@dataclass
class Heading:
    rank: int
    text: str  # as shown in heading paths (marker + title, no trailing colon)
    body: str = ""  # text after an inline heading ("b) Title: body…")
    title_like: bool = True
    trusted: bool = False  # bold / styled: never demoted


def _norm(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip().rstrip(":").strip()
    if text.endswith(".") and not text.endswith("..") and len(text) > 8:
        text = text[:-1].rstrip()
    return text


def classify(block: Block) -> Heading | None:
    """Heading candidate for ``block`` or None."""
    t = block.text.strip()
    if not t or block.meta or block.table:
        return None
    trusted = block.bold or block.style_level is not None
    m = _PART_FULL_RE.match(t)
    if m and PART_RE.match(t) and len(t) < 200:
        title = _norm(m.group(2))
        return Heading(PART, m.group(1) + (f": {title}" if title else ""), trusted=True)
    for rank, rx in ((NUM3, _NUM3_RE), (NUM2, _NUM2_RE), (NUM, _NUM_RE), (LOWER, _LOWER_RE)):
        m = rx.match(t)
        if m:
            return _numbered(rank, t, m.group(2), trusted)
    m = _ROMAN_RE.match(t)
    if m and m.group(1):
        ok = trusted or (len(t) <= 160 and not _SENTENCE_IN_RE.search(m.group(2)))
        return Heading(ROMAN, _norm(t), title_like=ok, trusted=trusted) if ok else None
    m = _LETTER_RE.match(t)
    if m and (trusted or (is_upper(m.group(2)) and len(t) <= 160)):
        return Heading(LETTER, _norm(t), trusted=trusted)
    m = _STAR_RE.match(t)
    if m:
        body = m.group(1)
        ok = len(t) <= 90 and (t.endswith(":") or not _SENTENCE_IN_RE.search(body)) and len(t) <= 90
        return Heading(STAR, _norm(t), title_like=ok) if ok else None
    if trusted and len(t) <= 150 and not t.startswith(("-", "+", "•")):
        return Heading(PLAIN, _norm(t), trusted=True)
    return None


def _numbered(rank: int, full: str, title: str, trusted: bool) -> Heading:
    marker = full[: len(full) - len(title)].strip()
    colon = title.find(":")
    if 0 < colon <= 100:
        head, rest = title[:colon], title[colon + 1 :].strip()
        if len(rest) >= 15 and not re.search(r"[.;!?]", head):
            return Heading(rank, _norm(f"{marker} {head}"), body=rest, trusted=trusted)
    if trusted:
        return Heading(rank, _norm(full), trusted=True)
    ok = len(full) <= 130 and not _SENTENCE_IN_RE.search(title) and not full.endswith(",")
    return Heading(rank, _norm(full), title_like=ok)


def build_sections(blocks: list[Block]) -> tuple[list[Section], list[Block]]:
    """Body blocks → sections in reading order; also returns the end matter (signature, …)."""
    body, end = _split_end_matter([b for b in blocks if not b.meta])
    heads = [classify(b) for b in body]
    _demote_lists(heads)
    sections: list[Section] = [Section(heading_path=[], heading="", rank=-1)]
    stack: list[tuple[int, str]] = []
    seen_heading = False
    i = 0
    while i < len(body):
        b, h = body[i], heads[i]
        if h is not None and h.rank == PLAIN and not seen_heading:
            h = None  # bold title lines before the first real heading are the document title
        if h is None or not h.title_like:
            sections[-1].blocks.append(b)
            i += 1
            continue
        seen_heading = True
        text = h.text
        if h.rank == PART and ":" not in text and i + 1 < len(body):
            nxt, nh = body[i + 1], heads[i + 1]
            if (nh is None or nh.rank == PLAIN) and (is_upper(nxt.text) or nxt.bold) and len(nxt.text) < 250:
                text = f"{text}: {_norm(nxt.text)}"
                i += 1
        while stack and stack[-1][0] >= h.rank:
            stack.pop()
        stack.append((h.rank, text))
        sections.append(Section(heading_path=[s for _, s in stack], heading=text, rank=h.rank))
        if h.body:
            sections[-1].blocks.append(
                Block(text=h.body, page=b.page, notes=list(b.notes), bold=False, style_level=None)
            )
        elif b.notes:
            sections[-1].blocks.append(Block(text="", page=b.page, notes=list(b.notes)))
        i += 1
    return sections, end


def _split_end_matter(body: list[Block]) -> tuple[list[Block], list[Block]]:
    """Cut at "Nơi nhận:" / "TM. ỦY BAN NHÂN DÂN" in the last part of the document."""
    start = max(0, len(body) - 40)
    for i in range(start, len(body)):
        if END_MATTER_RE.match(body[i].text.strip()):
            return body[:i], body[i:]
    return body, []


def _demote_lists(heads: list[Heading | None]) -> None:
    """Numbered items in a run where one item is a sentence are list items, not headings."""
    n = len(heads)
    for rank in NUMBERED:
        group: list[int] = []

        def flush(group: list[int]) -> None:
            if any(h is not None and not h.title_like for h in (heads[j] for j in group)):
                for j in group:
                    h = heads[j]
                    if h is not None and not h.trusted:
                        h.title_like = False

        for i in range(n):
            h = heads[i]
            if h is None:
                continue
            if h.rank < rank and h.title_like:
                flush(group)
                group = []
            elif h.rank == rank:
                group.append(i)
        flush(group)
    # a numbered heading immediately followed by its next sibling has no body: a list item
    prev: int | None = None
    for i in range(n):
        h = heads[i]
        if prev is not None:
            p = heads[prev]
            if p is not None and h is not None and h.rank == p.rank and not p.trusted and not p.body:
                p.title_like = False
        prev = i if (h is not None and h.rank in NUMBERED and h.title_like) else None
