"""Sentences and list items of a passage: the unit the answerer quotes and the store
embeds on its own (sentence-window retrieval: match the sentence, cite its chunk)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_BULLET_RE = re.compile(r"^\s*(?:[-+•*–]|\d{1,2}[.)]|[a-zđ][)])\s+")
# sentence end: . ; ! ? followed by space and an upper-case letter, digit, bullet or "("
_SENT_END_RE = re.compile(r"(?<=[.!?])\s+(?=[\"“(A-ZĐÀ-Ỹ0-9-])")
_MAX_SENT = 260


@dataclass
class Sentence:
    text: str
    passage: int  # index into the passage list
    order: int  # position inside the passage
    para: int = 0  # paragraph index inside the passage
    group: int = -1  # clauses split from one long sentence share a group
    is_bullet: bool = False
    ends_with_colon: bool = False


def split_sentences(text: str, passage: int = 0) -> list[Sentence]:
    out: list[Sentence] = []
    for pi, para in enumerate(re.split(r"\n+", text)):
        para = para.strip()
        if not para:
            continue
        bullet = bool(_BULLET_RE.match(para))
        parts: list[str] = []
        for part in _SENT_END_RE.split(para):
            # "TP. Bắc Giang", "Q. 1": a short abbreviation is not a sentence end
            if parts and re.search(r"(?:^|\s)(?:[A-ZĐ][\w]{0,3}|\d{1,2}(?:\.\d{1,2})*|[a-zđ])\.$", parts[-1]):
                parts[-1] = parts[-1] + " " + part
            else:
                parts.append(part)
        for part in parts:
            part = part.strip()
            if not part:
                continue
            pieces = [part]
            if len(part) > _MAX_SENT and ";" in part:
                pieces = _split_long(part)
            group = len(out)
            for pc in pieces:
                out.append(
                    Sentence(
                        pc,
                        passage,
                        len(out),
                        para=pi,
                        group=group,
                        is_bullet=bullet,
                        ends_with_colon=pc.endswith(":"),
                    )
                )
    return out


def _split_long(text: str) -> list[str]:
    """Split an over-long sentence at semicolons into clauses of reasonable size."""
    clauses = [c.strip() for c in text.split(";") if c.strip()]
    out: list[str] = []
    cur = ""
    for c in clauses:
        cand = f"{cur}; {c}" if cur else c
        if cur and len(cand) > _MAX_SENT:
            out.append(cur + ";")
            cur = c
        else:
            cur = cand
    if cur:
        out.append(cur)
    return out


def unit_texts(text: str) -> list[str]:
    """The sentence units of a chunk as the store indexes them (same split as the answerer)."""
    return [s.text for s in split_sentences(text)]
