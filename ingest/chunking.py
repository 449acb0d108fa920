"""Sections → chunks that fit the e5 window (512 tokens incl. "passage: " and header).

* A chunk never spans two unrelated sections; tiny sections (a heading and a line) are
  merged with their following sibling/child — the merged chunk's heading path is the
  common parent and every merged section's heading line is kept in the text.
* Long sections are split at paragraph, then sentence boundaries into balanced pieces
  of at most ``max_chars`` characters; a list intro ("…như sau:") stays with its items.
* The first chunk of a section starts with the section's own heading line; follow-up
  chunks don't repeat it (it is in ``heading_path`` and in the embed header).
* A footnote is rendered right after the paragraph part that references it
  (``Chú thích (7): …``), so it always lands in the referencing chunk.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ingest.footnotes import note_line, refs_in, strip_markers
from ingest.rawdoc import Section

_SENT_RE = re.compile(r"(?<=[.!?…;])\s+(?=[A-ZĐÀ-Ỹ0-9“\"(\-+])")
_ABBR_RE = re.compile(r"(?:\b[A-ZĐ]{1,3}|\b(?:TP|Tp|tp|v\.v|đ/c|Q|P|TT|ThS|TS|PGS|GS|St))\.$")
_WORD_RE = re.compile(r"[^\W\d_]+")
_DIGITS_RE = re.compile(r"\d+")
_NON_DIGIT_RE = re.compile(r"\D+")
_NON_PUNCT_RE = re.compile(r"[\w\s]+")


@dataclass
class ChunkConfig:
    max_chars: int = 1200  # chunk text, characters
    min_chars: int = 350  # sections smaller than this are merged with a neighbour
    max_tokens: int = 510  # estimated tokens of "passage: " + embed_text + specials (window 512)


@dataclass
class Unit:
    text: str
    page: int | None = None
    list_item: bool = False
    heading: bool = False


@dataclass
class Piece:
    heading_path: list[str]
    text: str
    page: int | None


def estimate_tokens(text: str) -> int:
    """Conservative token count for multilingual-e5 (XLM-R sentencepiece) on Vietnamese.

    A linear fit on the sample reports against the real tokenizer (syllables, digit groups,
    digits, punctuation), scaled by 1.12 plus 8 so it stays above the real count (the
    real count is ~80 % of this on average).
    """
    words = len(_WORD_RE.findall(text))
    groups = len(_DIGITS_RE.findall(text))
    digits = len(_NON_DIGIT_RE.sub("", text))
    punct = len(_NON_PUNCT_RE.sub("", text))
    return math.ceil(1.12 * (1.22 * words + 0.4 * groups + 0.03 * digits + 1.3 * punct) + 8)


def split_sentences(text: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for m in _SENT_RE.finditer(text):
        head = text[start : m.start()]
        if _ABBR_RE.search(head):
            continue
        parts.append(head)
        start = m.end()
    parts.append(text[start:])
    return [p for p in (s.strip() for s in parts) if p]


def _hard_split(text: str, max_chars: int) -> list[str]:
    """Split one over-long sentence at "; ", ", " or spaces."""
    if len(text) <= max_chars:
        return [text]
    for sep in ("; ", ", ", " "):
        pieces = text.split(sep)
        if len(pieces) < 2:
            continue
        out: list[str] = []
        cur = ""
        for p in pieces:
            cand = f"{cur}{sep}{p}" if cur else p
            if len(cand) > max_chars and cur:
                out.append(cur + sep.rstrip())
                cur = p
            else:
                cur = cand
        if cur:
            out.append(cur)
        if all(len(o) <= max_chars for o in out):
            return out
        return [q for o in out for q in _hard_split(o, max_chars)]
    return [text[i : i + max_chars] for i in range(0, len(text), max_chars)]


def section_units(sec: Section, max_chars: int) -> list[Unit]:
    units: list[Unit] = []
    if sec.heading:
        units.append(Unit(sec.heading, sec.page, heading=True))
    for b in sec.blocks:
        notes = dict(b.notes)
        if not b.text and notes:
            units.append(Unit("\n".join(note_line(n, t) for n, t in notes.items()), b.page))
            continue
        is_list = b.text.lstrip()[:1] in "-+•–"
        for text, offset in _with_notes(b.text, notes, max_chars):
            units.append(Unit(text, b.page_at(offset), list_item=is_list))
    return units


def _with_notes(text: str, notes: dict[str, str], max_chars: int) -> list[tuple[str, int]]:
    """Paragraph → (part, offset of the part in ``text``): parts of at most ``max_chars``
    (sentence boundaries), each followed by the notes its sentences reference; a sentence
    and its notes are never separated."""
    left = dict(notes)
    sents: list[tuple[str, list[str], int]] = []
    parts = [text] if len(text) + sum(len(t) + 20 for t in notes.values()) <= max_chars else None
    cursor = 0
    for s in parts or [q for sent in split_sentences(text) for q in _hard_split(sent, max_chars)]:
        found = text.find(s, cursor)
        offset = found if found >= 0 else cursor
        cursor = offset + len(s) if found >= 0 else cursor
        lines = []
        for num in refs_in(s):
            if num in left:
                lines.append(note_line(num, left.pop(num)))
        sents.append((strip_markers(s), lines, offset))
    if left and sents:
        sents[-1][1].extend(note_line(n, t) for n, t in left.items())
    out: list[tuple[str, int]] = []
    cur: list[str] = []
    cur_notes: list[str] = []
    cur_off = 0
    size = 0
    total = sum(len(s) + sum(len(n) + 1 for n in ns) + 1 for s, ns, _ in sents)
    target = total / max(1, math.ceil(total / max_chars))
    for s, ns, off in sents:
        add = len(s) + 1 + sum(len(n) + 1 for n in ns)
        if cur and (size + add > max_chars or (size >= 0.6 * target and size + add > target * 1.1)):
            out.append(("\n".join([" ".join(cur), *cur_notes]), cur_off))
            cur, cur_notes, size = [], [], 0
        if not cur:
            cur_off = off
        cur.append(s)
        cur_notes.extend(ns)
        size += add
    if cur:
        tail = "\n".join([" ".join(cur), *cur_notes])
        if out and len(tail) < 0.35 * max_chars and len(out[-1][0]) + len(tail) + 1 <= max_chars:
            (prev, cur_off) = out.pop()
            prev_text, *prev_notes = prev.split("\n")
            tail = "\n".join([prev_text + " " + " ".join(cur), *prev_notes, *cur_notes])
        out.append((tail, cur_off))
    return out


def _pieces(text: str, max_chars: int) -> list[str]:
    sents: list[str] = []
    for s in split_sentences(text):
        sents.extend(_hard_split(s, max_chars))
    return _pack_strings(sents, max_chars)


def _split_long(text: str, max_chars: int) -> list[str]:
    """Text with several lines that is too long: split between lines, then sentences."""
    if len(text) <= max_chars:
        return [text]
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(_pieces(line, max_chars) if len(line) > max_chars else [line])
    return _pack_strings(out, max_chars, sep="\n")


def _pack_strings(parts: list[str], max_chars: int, sep: str = " ") -> list[str]:
    total = sum(len(p) + 1 for p in parts)
    n = max(1, math.ceil(total / max_chars))
    target = total / n
    out: list[str] = []
    cur = ""
    for p in parts:
        cand = f"{cur}{sep}{p}" if cur else p
        if cur and (len(cand) > max_chars or (len(cur) >= 0.6 * target and len(cand) > target * 1.1)):
            out.append(cur)
            cur = p
        else:
            cur = cand
    if cur:
        out.append(cur)
    return out


def _size(units: list[Unit]) -> int:
    return sum(len(u.text) + 1 for u in units)


def pack_units(units: list[Unit], max_chars: int) -> list[list[Unit]]:
    total = _size(units)
    if total <= max_chars:
        return [units]
    n = math.ceil(total / max_chars)
    target = total / n
    chunks: list[list[Unit]] = []
    cur: list[Unit] = []
    for u in units:
        size = _size(cur)
        over = size + len(u.text) + 1 > max_chars
        full = size >= 0.6 * target and size + len(u.text) + 1 > target * 1.1
        if cur and (over or full) and not all(x.heading for x in cur):
            chunks.append(cur)
            cur = []
        cur.append(u)
    if cur:
        chunks.append(cur)
    if (
        len(chunks) > 1
        and _size(chunks[-1]) < 0.35 * max_chars
        and _size(chunks[-2]) + _size(chunks[-1]) <= max_chars
    ):
        chunks[-2].extend(chunks.pop())  # no small leftover at the end of a section
    # never end a chunk on a heading or a list intro ("…như sau:") when it can move on
    for i in range(len(chunks) - 1):
        while len(chunks[i]) > 1:
            last = chunks[i][-1]
            if not (last.heading or last.text.rstrip().endswith(":")):
                break
            if _size(chunks[i + 1]) + len(last.text) + 1 > max_chars:
                break
            chunks[i + 1].insert(0, chunks[i].pop())
    return chunks


def _common_prefix(paths: list[list[str]]) -> list[str]:
    out: list[str] = []
    for items in zip(*paths, strict=False):
        if all(x == items[0] for x in items):
            out.append(items[0])
        else:
            break
    return out


def _related(first: Section, nxt: Section) -> bool:
    if not first.heading_path or not nxt.heading_path:
        return False
    common = len(_common_prefix([first.heading_path, nxt.heading_path]))
    return common >= len(first.heading_path) - 1 and common >= 1


def chunk_sections(sections: list[Section], cfg: ChunkConfig) -> list[Piece]:
    """Sections (reading order) → pieces of text with their heading path and page."""
    items: list[tuple[Section, list[Unit]]] = []
    for i, sec in enumerate(sections):
        has_body = any(b.text or b.notes for b in sec.blocks)
        is_leaf = i + 1 >= len(sections) or sections[i + 1].heading_path[: len(sec.heading_path)] != (
            sec.heading_path
        )
        if not has_body and not (is_leaf and sec.heading):
            continue
        items.append((sec, section_units(sec, cfg.max_chars)))
    # group tiny sections with related following ones
    groups: list[list[tuple[Section, list[Unit]]]] = []
    for sec, units in items:
        if groups:
            g = groups[-1]
            gsize = sum(_size(u) for _, u in g)
            if gsize < cfg.min_chars and gsize + _size(units) <= cfg.max_chars and _related(g[0][0], sec):
                g.append((sec, units))
                continue
        groups.append([(sec, units)])
    # a tiny last member of a family joins the previous group instead
    merged: list[list[tuple[Section, list[Unit]]]] = []
    for g in groups:
        gsize = sum(_size(u) for _, u in g)
        if merged and gsize < cfg.min_chars:
            prev = merged[-1]
            psize = sum(_size(u) for _, u in prev)
            if psize + gsize <= cfg.max_chars and _related(prev[-1][0], g[0][0]) and prev[0][0].heading_path:
                prev.extend(g)
                continue
        merged.append(list(g))
    pieces: list[Piece] = []
    for g in merged:
        path = _common_prefix([s.heading_path for s, _ in g]) if len(g) > 1 else g[0][0].heading_path
        units = [u for _, us in g for u in us]
        for chunk_units in pack_units(units, cfg.max_chars):
            text = "\n".join(u.text for u in chunk_units).strip()
            if not text:
                continue
            page = next((u.page for u in chunk_units if u.page is not None), None)
            pieces.append(Piece(list(path), text, page))
    return pieces


def short_heading(h: str, limit: int = 70) -> str:
    """Heading as shown in the embed header: "Phần thứ nhất: …" → "Phần thứ nhất"."""
    if h.lower().startswith("phần") and ":" in h:
        return h.split(":", 1)[0]
    if len(h) <= limit:
        return h
    cut = h[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def fit_tokens(pieces: list[Piece], header_for: object, cfg: ChunkConfig) -> list[Piece]:
    """Split any piece whose "passage: " + header + text estimate exceeds the token budget."""
    out: list[Piece] = []
    for p in pieces:
        out.extend(_fit(p, header_for, cfg.max_tokens, cfg.max_chars))
    return out


def _fit(p: Piece, header_for: object, max_tokens: int, max_chars: int) -> list[Piece]:
    header = header_for(p.heading_path)  # type: ignore[operator]
    if estimate_tokens(f"passage: {header}\n{p.text}") <= max_tokens or max_chars < 200:
        return [p]
    smaller = int(max_chars * 0.8)
    parts = _split_long(p.text, smaller) if "\n" in p.text else _pieces(p.text, smaller)
    if len(parts) < 2:
        parts = _hard_split(p.text, smaller)
    out: list[Piece] = []
    for t in parts:
        out.extend(_fit(Piece(p.heading_path, t, p.page), header_for, max_tokens, smaller))
    return out
