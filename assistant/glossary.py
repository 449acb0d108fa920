"""Abbreviation glossary (data in ``assistant/data/abbreviations.tsv``), used to expand
queries both ways: "GPMB" adds "giải phóng mặt bằng", and "giải phóng mặt bằng"
adds "GPMB", so a passage that writes either form is found."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from baocao.vntext import fold, match_key

GLOSSARY_PATH = Path(__file__).parent / "data" / "abbreviations.tsv"


@lru_cache(maxsize=4)
def load_glossary(path: Path = GLOSSARY_PATH) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        abbr, _, expansion = line.partition("\t")
        if expansion.strip():
            out.setdefault(abbr.strip(), []).append(expansion.strip())
    return out


def _abbr_pattern(abbr: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(fold(abbr).lower()) + r"(?![\w-])")


@lru_cache(maxsize=1)
def _compiled() -> list[tuple[str, re.Pattern[str], list[str], list[str]]]:
    rows = []
    for abbr, exps in load_glossary().items():
        rows.append((abbr, _abbr_pattern(abbr), exps, [match_key(e) for e in exps]))
    return rows


@lru_cache(maxsize=20000)
def expand_text(text: str) -> str:
    """``text`` plus the other form of every abbreviation/expansion it contains (cached)."""
    return expand_query(text)[0]


@lru_cache(maxsize=1)
def _any_abbr() -> re.Pattern[str]:
    """One alternation of every abbreviation: a passage that holds none skips the loop."""
    alts = sorted({re.escape(fold(a).lower()) for a in load_glossary() if len(a) >= 3}, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alts) + r")(?![\w-])")


def expand_query(query: str) -> tuple[str, list[str]]:
    """Return the query plus expansions, and the list of (abbr = expansion) applied."""
    folded = fold(query).lower()
    key = match_key(query)
    folded_key = fold(key)
    extra: list[str] = []
    applied: list[str] = []
    has_abbr = _any_abbr().search(folded) is not None
    for abbr, pat, exps, exp_keys in _compiled():
        # only short/mixed-case abbreviations typed as tokens (avoid "tt" inside words)
        if has_abbr and len(abbr) >= 3 and pat.search(folded):
            extra.extend(exps)
            applied.append(f"{abbr}={exps[0]}")
            continue
        for e, ek in zip(exps, exp_keys, strict=True):
            if len(ek) > 6 and (ek in key or fold(ek) in folded_key):
                extra.append(abbr)
                applied.append(f"{e}={abbr}")
                break
    if not extra:
        return query, []
    return query + " " + " ; ".join(dict.fromkeys(extra)), applied
