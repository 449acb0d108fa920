"""Footnotes: take the note texts out of where page breaks dropped them, re-attach them
to the paragraph that references them.

Markers: ``<sup>(7)</sup>`` (markdown-ish exports) or a plain "(7)" glued to the
preceding word in PDF-like text. Note texts: a line starting with ``<sup>(7)</sup>`` or,
in PDF-like text, a line starting with "(7) " whose number is referenced earlier.

Display form (decided once, used everywhere): the marker stays in the text as "(7)"
and the note is rendered right after the paragraph part that contains the marker, on
its own line, as ``Chú thích (7): <text>`` — so the chunk holding the reference always
holds the note too.
"""

from __future__ import annotations

import re

from ingest.rawdoc import Block, Line

REF_OPEN, REF_CLOSE = "\ue000", "\ue001"  # private-use brackets around a footnote reference
_SUP_DEF_RE = re.compile(r"^<sup>\s*\(?\s*(\d{1,3})\s*\)?\s*</sup>\s*(\S.*)$")
_SUP_REF_RE = re.compile(r"<sup>\s*\(\s*(\d{1,3})\s*\)\s*</sup>")
_SUP_ANY_RE = re.compile(r"<sup>\s*([^<]{0,12}?)\s*</sup>")
_PLAIN_DEF_RE = re.compile(r"^\((\d{1,3})\)\s+(\S.{3,})$")
_PLAIN_REF_RE = re.compile(r"(?<=[^\s(])\((\d{1,3})\)")
_MARKED_RE = re.compile(REF_OPEN + r"(\d{1,3})" + REF_CLOSE)
_SUPERSCRIPT = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")
_END = '.!?;:…)"”'


def extract(lines: list[Line], pdf_like: bool) -> tuple[list[Line], dict[str, str]]:
    """Remove footnote texts from ``lines``; mark references; return (lines, notes)."""
    notes: dict[str, str] = {}
    out: list[Line] = []
    referenced: set[str] = set()
    removed = False
    i = 0
    while i < len(lines):
        ln = lines[i]
        t = ln.text
        if t and ("<sup>" in t or (pdf_like and t[0] == "(")):
            m = _SUP_DEF_RE.match(t)
            pm = None if m else (_PLAIN_DEF_RE.match(t) if pdf_like else None)
            if pm and pm.group(1) not in referenced:
                pm = None
            hit = m or pm
            if hit and hit.group(1) not in notes:
                num, body = hit.group(1), hit.group(2)
                i += 1
                # PDF-like: a note may wrap onto following lines of the same page
                while (
                    pdf_like
                    and i < len(lines)
                    and lines[i].text
                    and body[-1] not in _END
                    and lines[i].text[:1].islower()
                    and lines[i].page == ln.page
                ):
                    body += " " + lines[i].text
                    i += 1
                notes[num] = render_inline(body).strip()
                removed = True
                continue
        if t:
            new = t
            if "<sup>" in t:
                new = render_inline(_SUP_REF_RE.sub(lambda mm: REF_OPEN + mm.group(1) + REF_CLOSE, t))
            elif pdf_like and "(" in t:
                for mm in _PLAIN_REF_RE.finditer(t):
                    referenced.add(mm.group(1))
            if new != t or removed:
                ln = Line(**{**ln.__dict__, "text": new, "after_note": removed or ln.after_note})
            removed = False
        out.append(ln)
        i += 1
    if pdf_like and notes:
        out = [_mark_plain(ln, notes) for ln in out]
    return out, notes


def render_inline(text: str) -> str:
    """Other ``<sup>…</sup>``: digits → superscript characters ("m²"), else plain."""
    if "<sup>" not in text:
        return text
    return _SUP_ANY_RE.sub(lambda m: m.group(1).translate(_SUPERSCRIPT), text)


def _mark_plain(ln: Line, notes: dict[str, str]) -> Line:
    if not ln.text or "(" not in ln.text:
        return ln
    new = _PLAIN_REF_RE.sub(
        lambda m: REF_OPEN + m.group(1) + REF_CLOSE if m.group(1) in notes else m.group(0), ln.text
    )
    if new == ln.text:
        return ln
    return Line(**{**ln.__dict__, "text": new})


def attach(blocks: list[Block], notes: dict[str, str]) -> None:
    """Give each block the notes it references (first reference wins); unmark the text."""
    used: set[str] = set()
    for b in blocks:
        if REF_OPEN not in b.text:
            continue
        for num in _MARKED_RE.findall(b.text):
            if num in notes and num not in used:
                b.notes.append((num, notes[num]))
                used.add(num)
    # notes never referenced: keep them with the last block so no text is lost
    orphans = [(n, t) for n, t in notes.items() if n not in used]
    if orphans and blocks:
        body = [b for b in blocks if not b.meta]
        (body[-1] if body else blocks[-1]).notes.extend(orphans)


def strip_markers(text: str) -> str:
    """Private reference brackets → "(n)"."""
    if REF_OPEN not in text:
        return text
    return _MARKED_RE.sub(r"(\1)", text)


def refs_in(text: str) -> list[str]:
    return _MARKED_RE.findall(text)


def note_line(num: str, body: str) -> str:
    return f"Chú thích ({num}): {body}"
