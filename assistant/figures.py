"""Figures in sentences and what a question counts: "bao nhiêu hộ" wants "266/266 hộ".

Used to prefer the sentence holding the asked figure and to refuse when the best
sentence counts something else ("bao nhiêu bác sĩ" answered by "12 lượt người")."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.glossary import load_glossary
from assistant.query import QueryInfo, mask_wards
from baocao.vntext import fold, tokenize

_ENUM_RE = re.compile(r"^\s*(?:[-+•*–]\s*)?(?:\d{1,2}(?:\.\d{1,2})*[.)]|[a-zđ][.)])\s")


def has_figure(text: str) -> bool:
    """A number that is not just a year (2023) or a list index ("2.2.")."""
    text = _ENUM_RE.sub("", text)
    return any(not re.fullmatch(r"(19|20)\d\d", n) for n in re.findall(r"\d+(?:[.,]\d+)*", text))


_UNIT_CLASSES = (
    {
        "nguoi",
        "can",
        "bo",
        "giao",
        "vien",
        "nhan",
        "thanh",
        "nien",
        "cong",
        "chuc",
        "dong",
        "chi",
        "luot",
        "hoc",
        "sinh",
        "chien",
    },
    {"tien", "kinh", "phi", "von", "dong", "d", "ty", "ti", "trieu", "nghin"},
    {"suat", "xuat", "phan", "qua"},
)


def widen_units(asked: set[str]) -> set[str]:
    return set(_widen(frozenset(asked)))


@lru_cache(maxsize=1024)
def _widen(asked: frozenset[str]) -> frozenset[str]:
    out = set(asked)
    for cls in _UNIT_CLASSES:
        if asked & cls:
            out |= cls
    for abbr, exps in load_glossary().items():  # "bao nhiêu tổ dân phố" is counted in "TDP"
        for e in exps:
            words = [fold(w).lower() for w in tokenize(e)]
            if len(words) >= 2 and set(words[:2]) <= asked:
                out.add(fold(abbr).lower())
    return frozenset(out)


def figure_of_asked_unit(text: str, asked: set[str]) -> bool:
    if "%" in text and asked & {"phan", "tram", "ti", "le", "ty"}:
        return True
    wide = widen_units(asked)
    toks = tokenize(text)
    for i, t in enumerate(toks[:-1]):
        is_figure = t[0].isdigit() and not re.fullmatch(r"(19|20)\d\d", t)
        if is_figure and any(fold(x) in wide for x in toks[i + 1 : i + 3]):
            return True
    return False


def rate_subject(info: QueryInfo) -> set[str]:
    """What a "tỷ lệ …" question measures: the two syllables after "tỷ lệ" ("hộ nghèo")."""
    toks = [fold(t) for t in tokenize(mask_wards(info.question, info.wards))]  # ward words are names
    for i in range(len(toks) - 1):
        if toks[i] in ("ty", "ti") and toks[i + 1] == "le":
            rest = [t for t in toks[i + 2 : i + 5] if t not in _RATE_SKIP]
            return set(rest[:2])
    return set()


_RATE_SKIP = {"cua", "cac", "so", "tang", "giam", "dat", "la", "bao", "nhieu", "phuong", "nam"}


def asked_units(info: QueryInfo) -> set[str]:
    """Folded syllables right after "bao nhiêu"/"mấy" in the question ("bao nhiêu hộ")."""
    toks = [fold(t) for t in tokenize(mask_wards(info.question, info.wards))]  # "Máy Chai" is no "mấy"
    out: set[str] = set()
    for i, t in enumerate(toks):
        if (t == "nhieu" and i and toks[i - 1] == "bao") or t == "may":
            out.update(toks[i + 1 : i + 3])
    return out
