"""Number guard: every figure in a generated answer must come from a cited passage.

Vietnamese reports write ``17.384.571.763`` (dot = thousands) and ``104,4%``
(comma = decimal). A generated answer may write the same figure either way, so
numbers are compared on a normalised value: ``17.384.571.763`` == ``17384571763``
and ``104,4`` == ``104.4``. Dates and fractions (``30/11/2023``, ``1/2``) are
compared part by part.

The check is local: a number must appear in a passage cited by its clause (the
text since the previous marker, up to and including its ``[n]`` marker). Text after
the last marker of a sentence may use any passage cited in that sentence; a
sentence without any marker may use any passage cited somewhere in the answer. Citation markers
themselves are not numbers.

Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

__all__ = ["MARKER_RE", "check_numbers", "extract_numbers", "normalise_number"]

# "[1]", "[1, 2]", "[1;2]" — citation markers, never checked as numbers.
MARKER_RE = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
# A run of markers separated only by spaces/commas ("[1] [2]", "[1], [3]") is one group.
_MARKER_GROUP_RE = re.compile(rf"{MARKER_RE.pattern}(?:[\s,;]*{MARKER_RE.pattern})*")

# digits, optionally grouped by "." or "," (each separator followed by a digit,
# so the full stop after "năm 2023." is not part of the number), optionally
# "/"-joined parts (dates, fractions, "30/11/2023"), optionally a percent sign.
_NUMBER_RE = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)*(?:/\d+(?:[.,]\d+)*)*(?:\s?%)?")

# Sentence ends: . ! ? ; … or a line break, followed by whitespace.
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?;…])\s+|\n+")


def extract_numbers(text: str) -> list[str]:
    """Numbers as written in ``text`` (in order, duplicates kept), markers excluded.

    >>> extract_numbers("Thu 17.384.571.763 đồng, đạt 104,4% [1].")
    ['17.384.571.763', '104,4%']
    """
    if not text:
        return []
    masked = MARKER_RE.sub(lambda m: " " * len(m.group(0)), text)
    return [m.group(0) for m in _NUMBER_RE.finditer(masked)]


def _decimal_key(s: str) -> str | None:
    try:
        d = Decimal(s)
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    # "104.40" -> "104.4", "09" -> "9", "1E+1" avoided by formatting with 'f'
    return format(d.normalize(), "f")


def _groups_ok(groups: list[str]) -> bool:
    """Thousands groups: every group after the first has exactly three digits."""
    return all(len(g) == 3 for g in groups[1:])


def _vietnamese_reading(s: str) -> str | None:
    """Dots group thousands, the comma is the decimal point: "17.384.571.763", "104,4"."""
    if s.count(",") > 1:
        return None
    whole, _, frac = s.partition(",")
    if not _groups_ok(whole.split(".")):
        return None
    return whole.replace(".", "") + ("." + frac if frac else "")


def _english_reading(s: str) -> str | None:
    """Commas group thousands, the dot is the decimal point: "1,234,567", "104.4".

    A lone "." followed by three digits ("2.000") is read only the Vietnamese way.
    """
    if s.count(".") > 1:
        return None
    whole, _, frac = s.partition(".")
    if not _groups_ok(whole.split(",")):
        return None
    if frac and "," not in whole and len(frac) == 3:
        return None
    return whole.replace(",", "") + ("." + frac if frac else "")


def normalise_number(raw: str) -> frozenset[str]:
    """The values ``raw`` may stand for (one or two readings of its separators).

    ``"104,4%"`` -> ``{"104.4"}``; ``"17.384.571.763"`` -> ``{"17384571763"}``;
    ``"1,500"`` -> ``{"1.5", "1500"}`` (ambiguous). Two numbers are equal when
    their sets intersect.
    """
    s = raw.replace("\u00a0", "").replace(" ", "").rstrip("%")
    if not s:
        return frozenset()
    if "/" in s:
        parts = s.split("/")
        keys = [sorted(normalise_number(p)) for p in parts]
        if any(not k for k in keys):
            return frozenset({s})
        # one reading per part is enough for dates/fractions: take the first
        return frozenset({"/".join(k[0] for k in keys)})
    readings: set[str] = set()
    for cand in (_vietnamese_reading(s), _english_reading(s)):
        key = _decimal_key(cand) if cand is not None else None
        if key is not None:
            readings.add(key)
    # unreadable ("1.2.3"): only the identical spelling matches
    return frozenset(readings) if readings else frozenset({s})


def _keys_of(text: str) -> set[str]:
    """Normalised values of every number in a passage (and of each part of a date)."""
    keys: set[str] = set()
    for raw in extract_numbers(text):
        keys |= normalise_number(raw)
        if "/" in raw:
            for part in raw.rstrip("% ").split("/"):
                keys |= normalise_number(part)
    return keys


def _marker_ids(group: str) -> list[int]:
    return [int(n) for m in MARKER_RE.finditer(group) for n in re.split(r"[,;]", m.group(1))]


def _sentences(answer: str) -> list[str]:
    """Split into sentences; markers that open a sentence belong to the previous one."""
    out: list[str] = []
    for piece in _SENTENCE_SPLIT_RE.split(answer):
        if not piece or not piece.strip():
            continue
        lead = _MARKER_GROUP_RE.match(piece.lstrip())
        if lead and out:
            stripped = piece.lstrip()
            out[-1] += " " + lead.group(0)
            piece = stripped[lead.end() :]
            if not piece.strip():
                continue
        out.append(piece)
    return out


def _clauses(sentence: str) -> list[tuple[str, list[int]]]:
    """``(text, marker ids)`` per clause: text up to and including each marker group.

    Text after the last marker group gets an empty id list (uses the sentence's ids).
    """
    out: list[tuple[str, list[int]]] = []
    start = 0
    for m in _MARKER_GROUP_RE.finditer(sentence):
        out.append((sentence[start : m.start()], _marker_ids(m.group(0))))
        start = m.end()
    tail = sentence[start:]
    if tail.strip():
        out.append((tail, []))
    return out


def _union(keys_by_id: Mapping[int, set[str]], ids: Iterable[int]) -> set[str]:
    out: set[str] = set()
    for i in ids:
        out |= keys_by_id.get(i, set())
    return out


def check_numbers(answer: str, cited_passages: Mapping[int, str]) -> list[str]:
    """Numbers in ``answer`` not found in the passages cited where they are used.

    ``cited_passages`` maps marker number -> passage text (include the passage
    header — ward, document number and date — so figures from it count as cited).
    Returns the unsupported numbers as written in the answer, first occurrence
    order, without duplicates. Empty list = every number is supported.
    """
    keys_by_id = {n: _keys_of(text) for n, text in cited_passages.items()}
    all_keys = _union(keys_by_id, keys_by_id)
    unsupported: list[str] = []
    for sentence in _sentences(answer):
        clauses = _clauses(sentence)
        sentence_ids = [i for _, ids in clauses for i in ids]
        sentence_keys = _union(keys_by_id, sentence_ids) if sentence_ids else all_keys
        for text, ids in clauses:
            allowed = _union(keys_by_id, ids) if ids else sentence_keys
            for raw in extract_numbers(text):
                if normalise_number(raw) & allowed:
                    continue
                shown = raw.strip()
                if shown not in unsupported:
                    unsupported.append(shown)
    return unsupported
