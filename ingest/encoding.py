"""Decode text files: UTF-8 (± BOM), UTF-16 with BOM, else charset-normalizer.

Legacy Vietnamese 8-bit encodings (TCVN3/ABC, VNI) are refused with a clear message
rather than turned into mojibake: decoded as Windows-1252 they show letters that
Vietnamese never uses ("Céng hßa", "ViÖt", "Coäng hoøa") inside words.
"""

from __future__ import annotations

import re
import unicodedata

from ingest.errors import EmptyFile, UndecodableText

# Latin-1 letters/symbols that appear inside words of TCVN3/VNI text read as cp1252 but
# never in Vietnamese Unicode text.
_LEGACY_CHARS = set("¬µ¸¶·¹¨©ª«®»¼½¾ÆÇËÎÏÑÖ×ØÛÜÞßåæçëîïñö÷øûüþÿ¤¢£¥¦§°±²³´ÄÅÐ¡¯¿")
_VN_LETTERS = set(
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵfjwz"
)
_WORD_RE = re.compile(r"\S+")

TRIED_DEFAULT = ("UTF-8", "UTF-8 BOM", "UTF-16", "charset-normalizer")


_LEGACY_WORD_RE = re.compile("\\S*[" + re.escape("".join(sorted(_LEGACY_CHARS))) + "]\\S*")
_NON_ASCII_LETTER_RE = re.compile(r"[^\x00-\x7f\W\d_]")
_LETTER_RE = re.compile(r"[^\W\d_]")
_LEGACY_CHAR_RE = re.compile("[" + re.escape("".join(sorted(_LEGACY_CHARS))) + "]")
_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")


def legacy_score(text: str) -> float:
    """Share of words that contain a legacy-encoding character next to a letter.

    0 unless the text is mostly ASCII letters (TCVN3/VNI keep the base letters in ASCII),
    so random high bytes are not mistaken for a legacy encoding.
    """
    sample = text[:20000]
    if not _LEGACY_CHAR_RE.search(sample):
        return 0.0
    words = len(_WORD_RE.findall(sample))
    letters = len(_LETTER_RE.findall(sample))
    if not words or not letters:
        return 0.0
    if len(_ASCII_LETTER_RE.findall(sample)) < 0.5 * letters:
        return 0.0
    bad = 0
    for w in _LEGACY_WORD_RE.findall(sample):
        if any(c.isalpha() and c not in _LEGACY_CHARS for c in w):
            bad += 1
    return bad / words


def latin_ratio(text: str) -> float:
    """Share of letters that are ASCII or Vietnamese (a decoding sanity check)."""
    sample = text[:20000]
    letters = len(_LETTER_RE.findall(sample))
    if not letters:
        return 1.0
    foreign = sum(1 for c in _NON_ASCII_LETTER_RE.findall(sample) if c.lower() not in _VN_LETTERS)
    return 1 - foreign / letters


def _control_ratio(data: bytes) -> float:
    sample = data[:8192]
    if not sample:
        return 0.0
    bad = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return bad / len(sample)


def decode_bytes(data: bytes, source: str) -> str:
    """Bytes of a .txt/.md file → NFC text, or an ``IngestError``."""
    if not data.strip():
        raise EmptyFile(source)
    tried: list[str] = []
    text: str | None = None
    if data.startswith(b"\xef\xbb\xbf"):
        tried.append("UTF-8 BOM")
        text = _try(data[3:], "utf-8")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        tried.append("UTF-16")
        text = _try(data, "utf-16")
    if text is None:
        tried.append("UTF-8")
        text = _try(data, "utf-8")
    if text is None:
        if _control_ratio(data) > 0.05:
            raise UndecodableText(source, tried, binary=True)
        latin = data.decode("cp1252", errors="replace")
        tried.append("Windows-1252")
        if legacy_score(latin) > 0.05:
            raise UndecodableText(source, [*tried, "TCVN3/VNI (phát hiện)"], legacy=True)
        text = _charset_normalizer(data, tried)
        if text is None:
            raise UndecodableText(source, tried)
    if "\x00" in text or _control_ratio(text.encode("utf-8", "replace")) > 0.05:
        raise UndecodableText(source, tried, binary=True)
    text = unicodedata.normalize("NFC", text)
    if legacy_score(text) > 0.05:
        raise UndecodableText(source, [*tried, "TCVN3/VNI (phát hiện)"], legacy=True)
    if tried[-1].startswith("charset-normalizer") and latin_ratio(text) < 0.9:
        raise UndecodableText(source, tried)  # a guessed single-byte code page that isn't Vietnamese
    if not text.strip():
        raise EmptyFile(source)
    return text


def _try(data: bytes, enc: str) -> str | None:
    try:
        return data.decode(enc)
    except UnicodeDecodeError:
        return None


def _charset_normalizer(data: bytes, tried: list[str]) -> str | None:
    from charset_normalizer import from_bytes

    tried.append("charset-normalizer")
    best = from_bytes(data).best()
    if best is None:
        return None
    tried[-1] = f"charset-normalizer ({best.encoding})"
    return str(best)
