"""Collapse doubled characters left by "fake bold" PDFs ("TThhưươơnngg  mmạạii" → "Thương mại").

A PDF that draws bold text twice yields every character twice, spaces included, so a
doubled word is separated from the next by two spaces. Real text has doubles too
("11.309", "77 Tổ", "TTĐT", "2200" in a table), so the decision is made per token
with its neighbours:

* *strong* tokens pair up completely and cannot plausibly be real ("1177..338844",
  "nnăămm", "IIII..") — they are collapsed on their own;
* *weak* tokens pair up but could be real ("55", "TT", "--", "1100") — collapsed only
  when a neighbour across a doubled space (two or more spaces) is collapsed;
* *partial* tokens start (or end) with pairs and then go on normally ("2200222)" →
  "2022)", "TTrường" → "Trường", "((so" → "(so") — the paired part is collapsed only
  next to a collapsed neighbour on that side.

Works on NFC text; characters are compared as grapheme clusters so a doubled
decomposed letter ("a\u0323a\u0323") still counts as a pair.
"""

from __future__ import annotations

import re
import unicodedata

_PIECE_RE = re.compile(r"\S+|\s+")
_COMBINING_RE = re.compile(r"[\u0300-\u036f]")
_CLUSTER_RE = re.compile(r".[\u0300-\u036f]*", re.DOTALL)

STRONG, WEAK, PREFIX, SUFFIX, NORMAL = range(5)


def _clusters(tok: str) -> list[str]:
    if _COMBINING_RE.search(tok):
        return _CLUSTER_RE.findall(tok)
    return list(tok)


def _prefix_pairs(cl: list[str]) -> int:
    k = 0
    n = len(cl)
    while 2 * k + 1 < n and cl[2 * k] == cl[2 * k + 1]:
        k += 1
    return k


def _suffix_pairs(cl: list[str]) -> int:
    k = 0
    n = len(cl)
    while n - 2 * k - 2 >= 0 and cl[n - 2 * k - 1] == cl[n - 2 * k - 2]:
        k += 1
    return k


def classify(tok: str) -> tuple[int, list[str], int]:
    """(kind, clusters, number of pairs at the doubled end)."""
    if len(tok) < 2 or (tok[0] != tok[1] and tok[-1] != tok[-2] and not _COMBINING_RE.search(tok)):
        return NORMAL, [], 0
    cl = _clusters(tok)
    n = len(cl)
    if n < 2:
        return NORMAL, cl, 0
    k = _prefix_pairs(cl)
    if 2 * k == n:
        distinct = len(set(cl))
        if distinct == 1 or n == 2:
            return WEAK, cl, k
        if all(c.isdigit() for c in cl) and n < 8:
            return WEAK, cl, k
        return STRONG, cl, k
    if k >= 1:
        return PREFIX, cl, k
    j = _suffix_pairs(cl)
    if j >= 1:
        return SUFFIX, cl, j
    return NORMAL, cl, 0


def _double_gap(ws: str) -> bool:
    """A separator that could be a doubled space: two or more spaces before any newline."""
    head = ws.split("\n", 1)[0]
    return head.count(" ") + head.count("\t") >= 2


_CANDIDATE_RE = re.compile(r"(?<!\S)(\S)\1(\S)\2")


def undouble(text: str) -> str:
    """Collapse doubled-character runs in ``text`` (NFC expected); other text is unchanged.

    Only the lines around a candidate (a token starting with two pairs) are examined, with
    two lines of context on each side, so clean documents cost one regex scan.
    """
    if not text:
        return text
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if not _CANDIDATE_RE.search(text):
        return text
    lines = text.split("\n")
    hits = [i for i, ln in enumerate(lines) if _CANDIDATE_RE.search(ln)]
    out: list[str] = []
    pos = 0
    k = 0
    while k < len(hits):
        start = max(pos, hits[k] - 2)
        end = hits[k] + 3
        while k + 1 < len(hits) and hits[k + 1] - 2 <= end:
            k += 1
            end = hits[k] + 3
        end = min(end, len(lines))
        out.extend(lines[pos:start])
        out.extend(_undouble_block("\n".join(lines[start:end])).split("\n"))
        pos = end
        k += 1
    out.extend(lines[pos:])
    return "\n".join(out)


def _undouble_block(text: str) -> str:
    pieces = _PIECE_RE.findall(text)
    tok_idx = [i for i, p in enumerate(pieces) if not p[0].isspace()]
    if not tok_idx:
        return text
    info = [classify(pieces[i]) for i in tok_idx]
    kinds = [k for k, _, _ in info]
    if STRONG not in kinds:
        return text
    n = len(tok_idx)
    done = [k == STRONG for k in kinds]

    def gap(a: int, b: int) -> bool:  # separator between token a and token b (b = a+1)
        ia, ib = tok_idx[a], tok_idx[b]
        if ib - ia != 2:
            return False
        return _double_gap(pieces[ia + 1])

    changed = True
    while changed:
        changed = False
        for t in range(n):
            if done[t]:
                continue
            k = kinds[t]
            if k == NORMAL:
                continue
            left = t > 0 and done[t - 1] and kinds[t - 1] in (STRONG, WEAK, SUFFIX) and gap(t - 1, t)
            right = t + 1 < n and done[t + 1] and kinds[t + 1] in (STRONG, WEAK, PREFIX) and gap(t, t + 1)
            if (k == WEAK and (left or right)) or (k == PREFIX and left) or (k == SUFFIX and right):
                done[t] = True
                changed = True

    out = list(pieces)
    for t in range(n):
        if not done[t]:
            continue
        kind, cl, k = info[t]
        if kind in (STRONG, WEAK):
            new = "".join(cl[0::2])
        elif kind == PREFIX:
            new = "".join(cl[: 2 * k][0::2]) + "".join(cl[2 * k :])
        else:  # SUFFIX
            m = len(cl) - 2 * k
            new = "".join(cl[:m]) + "".join(cl[m:][0::2])
        out[tok_idx[t]] = new
    # halve the spaces next to collapsed tokens
    for t in range(n):
        i = tok_idx[t]
        if i + 1 < len(pieces) and pieces[i + 1][0].isspace():
            nxt_done = t + 1 < n and done[t + 1]
            if done[t] or nxt_done:
                out[i + 1] = _halve(pieces[i + 1])
        if t == 0 and i > 0 and done[t]:
            out[i - 1] = _halve(pieces[i - 1])
    return unicodedata.normalize("NFC", "".join(out))


def _halve(ws: str) -> str:
    return re.sub(r"[ \t]+", lambda m: " " * max(1, len(m.group(0)) // 2), ws)


def doubled_tokens(text: str) -> list[str]:
    """Tokens that still look doubled (checker for tests and diagnostics).

    A token of ≥ 4 characters whose characters pair up exactly, excluding plausible real
    cases: one repeated character ("----", "0000") and short all-digit numbers ("1100").
    """
    found = []
    for tok in text.split():
        kind, _, _ = classify(tok)
        if kind == STRONG and len(tok) >= 4:
            found.append(tok)
    return found
