"""Safe rendering of report text.

Everything that comes from a report (passages, quotes, answers built from report
sentences, metadata) goes through these helpers before it reaches ``st.markdown``:
HTML is escaped (``<`` → ``&lt;``) and every Markdown construct is neutralised
with backslash escapes, so a report can never inject HTML, script, images, links,
LaTeX or Streamlit directives. ``unsafe_allow_html`` is never used.

Only the structure the assistant composes itself is kept: paragraphs, ``- `` bullets
and the ``[n]`` citation markers (rendered bold, from already-escaped text).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator

# Inline Markdown / GFM / Streamlit syntax characters (escaped everywhere).
# ``&`` ``<`` ``>`` are handled by html.escape first; ``#`` ``-`` ``+`` ``=`` and
# ``1.`` only matter at the start of a line (handled in ``_escape_line``).
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]{}()!|~$:^])")
_BLUNT_SPECIALS = re.compile(r"([\\`*_\[\]{}()!|~$:^#+\-.=])")
_LINE_START = re.compile(r"^(#{1,6}|[-+=]|\d{1,9}(?=[.)]))")
_WWW = re.compile(r"\b(www)\.", re.IGNORECASE)
# GFM autolink literals (remark-gfm finds them in the text *after* escapes are resolved):
# a WORD JOINER (U+2060, invisible) breaks "http://", "www." and "a@b.c" so they stay text.
_WJ = "\u2060"
_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|file|xmpp)(?=\\?:)")
_WWW_AUTOLINK = re.compile(r"(?i)\b(www)(?=\\?\.)")
_MARKER_ESCAPED = re.compile(r"\\\[(\d{1,3})\\\]")
_BULLET = re.compile(r"^\s*(?:[-•*+]|\d{1,3}[.)])\s+")

HIGHLIGHT_OPEN = ":orange-background["
HIGHLIGHT_CLOSE = "]"


def no_autolinks(escaped: str) -> str:
    """Break web/e-mail addresses in already-escaped text so Markdown never links them."""
    s = _SCHEME.sub(r"\1" + _WJ, escaped)
    s = _WWW_AUTOLINK.sub(r"\1" + _WJ, s)
    return s.replace("@", "@" + _WJ)


def escape_inline(text: str) -> str:
    """Escape HTML and inline Markdown; safe anywhere except at the start of a line."""
    s = html.escape(text, quote=False)
    s = _INLINE_SPECIALS.sub(r"\\\1", s)
    return no_autolinks(_WWW.sub(r"\1\\.", s))


def _escape_line(line: str) -> str:
    line = line.strip()
    out = escape_inline(line)
    m = _LINE_START.match(out)
    if m:
        # "# x" heading, "- x" / "+ x" list, "=" setext underline, "1. x" / "1) x" ordered list
        end = m.end()
        out = out[:end] + "\\" + out[end:] if out[:end].isdigit() else "\\" + out
    return out


def escape_md(text: str) -> str:
    """Escape a whole block of report text; line breaks are kept as hard breaks."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    out = []
    for para in paragraphs:
        lines = [_escape_line(ln) for ln in para.split("\n")]
        lines = [ln for ln in lines if ln]
        if lines:
            out.append("  \n".join(lines))
    return "\n\n".join(out)


def escape_stream_piece(piece: str) -> str:
    """Escape a streamed text delta (no line context: escape every special char)."""
    s = html.escape(piece, quote=False)
    return no_autolinks(_BLUNT_SPECIALS.sub(r"\\\1", s))


def stream_escaped(pieces: Iterable[str]) -> Iterator[str]:
    for p in pieces:
        yield escape_stream_piece(p)


def _markers(escaped: str) -> str:
    """Bold the (escaped) ``[n]`` citation markers."""
    return _MARKER_ESCAPED.sub(r"**\\[\1\\]**", escaped)


def answer_markdown(answer: str) -> str:
    """The assistant's answer text as safe Markdown: bullets and [n] markers kept."""
    blocks = []
    for para in re.split(r"\n\s*\n", answer.strip()):
        lines = []
        for raw in para.split("\n"):
            if not raw.strip():
                continue
            m = _BULLET.match(raw)
            if m:
                lines.append(("- " + _markers(escape_inline(raw[m.end() :].strip())), True))
            else:
                lines.append((_markers(_escape_line(raw)), False))
        if not lines:
            continue
        # bullets need their own lines; plain lines keep hard breaks
        text = ""
        for i, (ln, is_bullet) in enumerate(lines):
            if i == 0:
                text = ln
            elif is_bullet:
                text += "\n" + ln
            else:
                text += ("\n\n" if lines[i - 1][1] else "  \n") + ln
        blocks.append(text)
    return "\n\n".join(blocks)


def _flex_pattern(fragment: str) -> re.Pattern[str] | None:
    tokens = fragment.split()
    if not tokens:
        return None
    return re.compile(r"\s+".join(re.escape(t) for t in tokens))


def _skip_bullet(text: str, start: int, end: int) -> tuple[int, int]:
    """Do not highlight a leading list bullet ("- ")."""
    m = re.match(r"[-•+]\s+", text[start:end])
    return (start + m.end(), end) if m and start + m.end() < end else (start, end)


def find_quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Where the quoted sentence(s) sit in ``text`` (whitespace-insensitive)."""
    quote = quote.strip()
    if not quote:
        return []
    pat = _flex_pattern(quote)
    if pat:
        m = pat.search(text)
        if m:
            return [_skip_bullet(text, m.start(), m.end())]
    spans: list[tuple[int, int]] = []
    # the quote may join several sentences (or bullet items) of the passage
    for frag in re.split(r"(?<=[.;:!?])\s+|\s+(?=[-•+]\s)", quote):
        frag = frag.strip().lstrip("-•+ ").strip()
        if len(frag) < 8:
            continue
        p = _flex_pattern(frag)
        m = p.search(text) if p else None
        if m:
            spans.append(_skip_bullet(text, m.start(), m.end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def passage_markdown(text: str, quote: str = "") -> tuple[str, bool]:
    """Safe Markdown for a passage with the quoted sentence(s) highlighted.

    Returns (markdown, found): ``found`` is False when the quote could not be located.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    spans = find_quote_spans(text, quote)
    if not spans:
        return escape_md(text), False
    marks = [False] * len(text)
    for s, e in spans:
        for i in range(s, e):
            marks[i] = True
    paragraphs_out: list[str] = []
    pos = 0
    for para in re.split(r"(\n\s*\n)", text):
        start = pos
        pos += len(para)
        if not para.strip() or re.fullmatch(r"\n\s*\n", para):
            continue
        lines_out = []
        lpos = start
        for line in para.split("\n"):
            lstart = lpos
            lpos += len(line) + 1
            if not line.strip():
                continue
            lines_out.append(_highlight_line(line, marks[lstart : lstart + len(line)]))
        if lines_out:
            paragraphs_out.append("  \n".join(lines_out))
    return "\n\n".join(paragraphs_out), True


def _highlight_line(line: str, marks: list[bool]) -> str:
    # strip like _escape_line does, keeping marks aligned
    lead = len(line) - len(line.lstrip())
    trail = len(line.rstrip())
    line, marks = line[lead:trail], marks[lead:trail]
    segments: list[tuple[str, bool]] = []
    for ch, mk in zip(line, marks, strict=True):
        if segments and segments[-1][1] == mk:
            segments[-1] = (segments[-1][0] + ch, mk)
        else:
            segments.append((ch, mk))
    out = []
    for i, (seg, mk) in enumerate(segments):
        if mk and seg.strip():
            core = seg.strip()
            pre = seg[: len(seg) - len(seg.lstrip())]
            post = seg[len(seg.rstrip()) :]
            out.append(pre + HIGHLIGHT_OPEN + escape_inline(core) + HIGHLIGHT_CLOSE + post)
        elif i == 0:
            out.append(_escape_line(seg) + (" " if seg.endswith(" ") else ""))
        else:
            out.append(escape_inline(seg))
    return "".join(out)


def plain_markdown(text: str) -> str:
    """Alias used for metadata values (ward names, titles…): one safe line."""
    return escape_inline(" ".join(text.split()))
