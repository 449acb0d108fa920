"""The domain thesaurus (``baocao/data/thesaurus.tsv``): how officials and citizens say a
thing versus how socio-economic reports write it ("trường mẫu giáo" → "mầm non",
"đền bù" → "bồi thường"), organised by the chapters of the standard report.

Shared by the answerer (query expansion, term matching) and the indicator catalogue.
Matching is on folded text (no diacritics, lower case) at word boundaries, so
"truong mau giao" finds the same entry as "trường mẫu giáo"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from baocao.vntext import canonical_tones, fold, has_diacritics, nfc

THESAURUS_PATH = Path(__file__).parent / "data" / "thesaurus.tsv"


@dataclass(frozen=True)
class Entry:
    topic: str
    term: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """A phrase of the text (character span) and the report wording it stands for."""

    start: int
    end: int
    phrase: str
    entry: Entry


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", fold(nfc(text)).lower()).strip()


@lru_cache(maxsize=4)
def load(path: Path = THESAURUS_PATH) -> tuple[Entry, ...]:
    out: list[Entry] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("topic\t"):
            continue
        topic, term, variants = [*line.split("\t"), "", ""][:3]
        vs = tuple(v.strip() for v in variants.split("|") if v.strip())
        out.append(Entry(topic.strip(), term.strip(), vs))
    return tuple(out)


Index = dict[str, list[tuple[int, re.Pattern[str], Entry, str]]]


def _exact_key(text: str) -> str:
    """Lower case with one tone-mark placement ("hoà" = "hòa"); accents kept."""
    return re.sub(r"\s+", " ", canonical_tones(nfc(text)).lower()).strip()


@lru_cache(maxsize=2)
def _patterns(accented: bool) -> Index:
    """First word run -> [(rank, pattern, entry, phrase)], rank 0 the longest phrase. A phrase
    cannot match a text without its first word run ("kt" of "kt-xh"), so only the patterns of
    the text's own word runs are tried. ``accented``: the patterns keep the diacritics (for a
    text typed with them: "phát" is not "phạt"), else both sides are folded."""
    rows: list[tuple[str, re.Pattern[str], Entry, str]] = []
    for e in load():
        for phrase in (e.term, *e.variants):
            k = _exact_key(phrase) if accented else _key(phrase)
            if k:
                rx = re.compile(r"(?<!\w)" + re.escape(k).replace(r"\ ", r"\s+") + r"(?!\w)")
                run = re.match(r"\w+", k)
                rows.append((run.group(0) if run else k, rx, e, phrase))
    rows.sort(key=lambda r: -len(r[3]))  # longest phrase first
    by_first: Index = {}
    for rank, (head, rx, e, phrase) in enumerate(rows):
        by_first.setdefault(head, []).append((rank, rx, e, phrase))
    return by_first


def find(text: str) -> list[Match]:
    """Non-overlapping thesaurus phrases in ``text`` (longest first), in text order.

    A text typed with diacritics is matched with them (a careful typist's "đầu" is not "đậu",
    "qua" is not "quà"); one typed without them is matched folded. Both keys keep one
    character per character, so spans index the original text."""
    base = nfc(text)
    accented = has_diacritics(base)
    key = canonical_tones(base).lower() if accented else fold(base).lower()
    if len(key) != len(base):  # a tone move changed the length: match folded
        accented, key = False, fold(base).lower()
    index = _patterns(accented)
    tried = sorted(
        (row for w in set(re.findall(r"\w+", key)) for row in index.get(w, ())), key=lambda r: r[0]
    )
    taken = [False] * len(key)
    out: list[Match] = []
    for _rank, rx, entry, phrase in tried:
        for m in rx.finditer(key):
            if any(taken[m.start() : m.end()]):
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            out.append(Match(m.start(), m.end(), phrase, entry))
    return sorted(out, key=lambda m: m.start)


def report_terms(text: str) -> list[str]:
    """The report wordings of every colloquial phrase in ``text`` (not already the term)."""
    out: list[str] = []
    for m in find(text):
        if _key(m.phrase) != _key(m.entry.term):
            out.append(m.entry.term)
    return list(dict.fromkeys(out))
