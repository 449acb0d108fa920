"""Vietnamese text normalisation shared by ingest, the lexical index and the assistant.

* ``nfc`` — Unicode NFC (what we store and show).
* ``canonical_tones`` — one tone-mark placement (``hoá`` and ``hóa`` both become
  ``hóa``), used only for matching; display text keeps the source's form.
* ``fold`` — strip every diacritic (``đ`` → ``d``) so unaccented queries match.
* ``match_key`` — lower-case + NFC + canonical tones + collapsed whitespace: the
  form in which two strings are compared ("does this passage contain that").
* ``tokenize`` — syllable and number tokens for BM25.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
_VOWELS = set("aăâeêioôơuưy")
_QUALITY = set("ăâêôơư")
_WORD_RE = re.compile(r"\w+", re.UNICODE)
TOKEN_RE = _TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W\d_]+|\d+", re.UNICODE)
_SPACE_RE = re.compile(r"\s+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _split_tone(syllable: str) -> tuple[str, str | None]:
    """Return (syllable without tone mark, NFC) and the tone combining char."""
    tone = None
    out = []
    for ch in unicodedata.normalize("NFD", syllable):
        if ch in TONE_MARKS:
            tone = ch
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)), tone


def _tone_index(base: str) -> int | None:
    """Index in ``base`` (lower-case, toneless) where the tone mark belongs (old style)."""
    low = base.lower()
    start = 0
    # "qu" and "gi" + vowel: u / i act as consonants.
    if (low.startswith("qu") and len(low) > 2 and low[2] in _VOWELS) or (
        low.startswith("gi") and len(low) > 2 and low[2] in _VOWELS
    ):
        start = 2
    idx = [i for i in range(start, len(low)) if low[i] in _VOWELS]
    if not idx:
        # "gì", "quý"-like syllables: fall back to any vowel
        idx = [i for i in range(len(low)) if low[i] in _VOWELS]
        if not idx:
            return None
        return idx[-1]
    # keep only the first contiguous vowel cluster
    cluster = [idx[0]]
    for i in idx[1:]:
        if i == cluster[-1] + 1:
            cluster.append(i)
        else:
            break
    quality = [i for i in cluster if low[i] in _QUALITY]
    if quality:
        return quality[-1]  # ươ -> ơ; ê, ô, â...
    has_final = cluster[-1] < len(low) - 1
    if len(cluster) == 1:
        return cluster[0]
    if has_final:
        return cluster[-1]
    if len(cluster) == 2:
        return cluster[0]  # hòa, thủy, khỏe, mái (old style)
    return cluster[1]


_IY_RE = re.compile(r"[bcdđghklmnprstvx]{1,3}[yY]", re.IGNORECASE)


@lru_cache(maxsize=65536)
def _canon_word(word: str) -> str:
    base, tone = _split_tone(word)
    # "Sỹ"/"Sĩ", "kỹ"/"kĩ", "lý"/"lí": final y after a consonant is written either way
    if _IY_RE.fullmatch(base) and not base.lower().startswith("qu"):
        base = base[:-1] + ("i" if base[-1] == "y" else "I")
    if tone is None:
        return base
    pos = _tone_index(base)
    if pos is None:
        return word
    return unicodedata.normalize("NFC", base[: pos + 1] + tone + base[pos + 1 :])


def canonical_tones(text: str) -> str:
    """One tone-mark placement per syllable (for matching only)."""
    text = nfc(text)
    return _WORD_RE.sub(lambda m: _canon_word(m.group(0)), text)


def fold(text: str) -> str:
    """Remove all Vietnamese diacritics; ``đ``/``Đ`` become ``d``/``D``."""
    if len(text) <= 64:
        return _fold_short(text)
    return _fold(text)


@lru_cache(maxsize=200_000)
def _fold_short(text: str) -> str:  # syllables and short phrases repeat endlessly: cache them
    return _fold(text)


def _fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def match_key(text: str) -> str:
    """Canonical form for "does A contain B" comparisons (case, whitespace, NFC, tones)."""
    return _SPACE_RE.sub(" ", canonical_tones(text).lower()).strip()


def tokenize(text: str) -> list[str]:
    """Lower-cased, tone-canonical syllable and number tokens."""
    return list(_tokenize(text))


@lru_cache(maxsize=50_000)
def _tokenize(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN_RE.findall(canonical_tones(text).lower()))


def has_diacritics(text: str) -> bool:
    return fold(text) != text
