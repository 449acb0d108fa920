"""Slots of one question: the wards, years, period, anaphor, continuation cue and question
clause it contains, with their character spans, and the runs of topic words left over.

Patterns are written with diacritics; each has a diacritic-free twin used when the question
is typed without them ("con xuong giang thi sao").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from assistant.query import STOPWORDS, YEAR_SHIFT, content_positions, find_wards, find_years
from baocao.vntext import fold, has_diacritics, nfc

_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W\d_]+|\d+", re.UNICODE)
_UNIT = r"(?:thị\s+trấn|phường|xã|p\.)"
PREP = r"(?:bên|phía|ở|tại|của|thuộc)"
# discourse particles that open a continuation ("Còn …", "Thế còn …", "Vậy …")
LEAD = r"^\s*(?:(?:thế|vậy|và|nhưng|rồi|thì|còn|với\s+lại)\s+)+(?:về\s+|đối\s+với\s+)?"
# "… thì sao?" and friends: only elliptical with "thì" (a bare "thế nào" can be a real question)
_TAIL = r"\s*(?:thì\s+(?:sao|thế\s+nào|như\s+thế\s+nào|ra\s+sao))?\s*(?:nhỉ|nhé|ạ|vậy|hả)?\s*[?.!…]*\s*$"
_PERIOD = (
    r"(?:\d{1,2}|sáu|chín|ba)\s+tháng(?:\s+(?:đầu|cuối))?(?:\s+năm)?"
    r"|quý\s+(?:iv|i{1,3}|[1-4])\b|tháng\s+\d{1,2}\b|đợt\s+\d+|giai\s+đoạn\s+\d{4}\s*[-–]\s*\d{4}|cả\s+năm"
)
_BASELINE = r"so\s+với\s+(?:cùng\s+kỳ\s+)?(?:năm\s+)?(\d{4})"
_SAME_PERIOD = r"(?:so\s+với\s+)?cùng\s+kỳ(?:\s+năm\s+(?:trước|ngoái))?(?!\s+(?:năm\s+)?\d{4})"
_ANAPHOR = r"((?:[^\W\d_]+\s+){0,1}[^\W\d_]+)\s+(đó|này|ấy|kia|nói\s+trên|trên)\b"
_INTERROG = (
    r"tại\s+sao|vì\s+sao|bao\s+nhiêu|mấy|những\s+gì|là\s+gì|gì|như\s+thế\s+nào|thế\s+nào|ra\s+sao|bao\s+giờ|khi\s+nào|"
    r"ở\s+đâu|nào|ai|hay\s+không|không|chưa|phần\s+trăm"
)
# verbs/copulas that open the interrogative clause ("ước đạt bao nhiêu", "có bao nhiêu …")
_ASK_VERB = (
    r"(?:(?:ước|dự\s+kiến|phấn\s+đấu|kế\s+hoạch|mục\s+tiêu)\s+(?:(?:đạt|là)\s+)?"
    r"|(?:đạt|là|được|có|gồm|bằng|chiếm|tăng|giảm)\s+)?"
)
# measure nouns kept when a new topic replaces an old one ("số hộ nghèo" -> "số hộ cận nghèo")
MEASURES = ("số", "tổng số", "tỷ lệ", "tỉ lệ", "chỉ tiêu", "mức", "kết quả", "số lượng", "tổng")
_RELATIVE_SHIFT = {k: v for k, v in YEAR_SHIFT.items() if k != "nay"}  # a follow-up's "năm sau/trước"
_RELATIVE = r"năm\s+(" + "|".join(k.replace(" ", r"\s+") for k in _RELATIVE_SHIFT) + r")\b"
_CUE_WORDS = {"còn", "thế", "vậy", "và", "nhưng", "rồi", "thì", "với", "lại", "về", "đối", "sao", "nữa"}


def _rx(pattern: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The pattern as written (accented) and its diacritic-free twin for unaccented typing."""
    return re.compile(pattern, re.IGNORECASE), re.compile(fold(pattern), re.IGNORECASE)


_RX = {name: _rx(p) for name, p in {
    "lead": LEAD, "tail": _TAIL, "period": _PERIOD, "relative": _RELATIVE, "same": _SAME_PERIOD, "baseline": _BASELINE,
    "anaphor": _ANAPHOR, "interrog": rf"(?<!\w)(?:{_INTERROG})(?!\w)",
    "askverb": rf"(?<!\w){_ASK_VERB}(?:{_INTERROG})(?!\w)",
}.items()}  # fmt: skip


def fold1(text: str) -> str:
    """Diacritic-free lower-case copy of the same length (positions stay valid)."""
    out = []
    for ch in text:
        f = fold(ch)
        out.append(f if len(f) == 1 else ch)
    return "".join(out).lower()


def _search(name: str, text: str, start: int = 0) -> re.Match[str] | None:
    accented, plain = _RX[name]
    return accented.search(text, start) or (
        None if has_diacritics(text) else plain.search(fold1(text), start)
    )


def finditer(name: str, text: str) -> list[re.Match[str]]:
    accented, plain = _RX[name]
    found = list(accented.finditer(text))
    return found or ([] if has_diacritics(text) else list(plain.finditer(fold1(text))))


@dataclass
class Slots:
    """What one question says, with the character spans of each slot."""

    text: str
    wards: list[str] = field(default_factory=list)
    ward_spans: list[tuple[int, int]] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    relative: int = 0  # +1 "năm sau", -1 "năm trước"
    same_period: bool = False  # "cùng kỳ" without a year
    baseline: str = ""  # "so với năm 2022" / "so với cùng kỳ năm 2022" (a year compared against)
    period: str = ""
    anaphor: tuple[int, int, str] | None = None  # span of "chỉ tiêu đó" and its noun
    cue: bool = False
    ask_start: int | None = None  # where the interrogative clause begins
    ask_at_end: bool = False
    topic_runs: list[tuple[int, int]] = field(default_factory=list)  # spans of content-word runs

    @property
    def topic(self) -> str:
        """The topic words with what joins them ("khai tử và kết hôn")."""
        if not self.topic_runs:
            return ""
        return " ".join(self.text[self.topic_runs[0][0] : self.topic_runs[-1][1]].split())

    @property
    def has_topic(self) -> bool:
        return bool(self.topic_runs)

    def principal(self) -> tuple[int, int] | None:
        """The longest run of content words (the topic noun phrase)."""
        if not self.topic_runs:
            return None
        return max(self.topic_runs, key=lambda r: (len(self.text[r[0] : r[1]].split()), -r[0]))


def _ward_spans(text: str, names: Sequence[str]) -> list[tuple[int, int]]:
    """Spans of each ward mention with its preposition and unit word ("bên phường Ngô Quyền")."""
    spans = []
    low = fold1(text)
    for name in names:
        core = r"\s+".join(re.escape(w) for w in fold1(name).split())
        pat = re.compile(rf"(?<!\w)(?:{fold(PREP)}\s+)?(?:{fold(_UNIT)}\s+)?{core}(?!\w)")
        m = pat.search(low)
        if m:
            spans.append((m.start(), m.end()))
    return spans


def _places_after_preposition(text: str, known: Sequence[str]) -> list[str]:
    """Capitalised names after "bên/phía/ở/tại" that are not known wards ("còn bên Hội Phú")."""
    out = []
    for m in re.finditer(r"(?<!\w)(?:bên|phía|ở|tại)\s+((?:[A-ZĐÀ-Ỹ][\w]*\s*){1,3})", text):
        name = m.group(1).strip()
        if name and not find_wards(name, known)[0] and not re.match(_UNIT, name, re.IGNORECASE):
            out.append(name)
    return out


def read_slots(question: str, known: Sequence[str]) -> Slots:
    text = nfc(question).strip()
    s = Slots(text=text)
    wards, unknown = find_wards(text, known)
    s.wards = wards + unknown
    s.wards += [w for w in _places_after_preposition(text, known) if w not in s.wards]
    s.ward_spans = _ward_spans(text, s.wards)
    masked: list[tuple[int, int]] = list(s.ward_spans)
    s.years = find_years(text)
    for m in re.finditer(r"(?:năm\s+|nam\s+)?(?<![\d.,])(?:19[5-9]\d|20\d\d)(?![\d.,])", text, re.IGNORECASE):
        masked.append((m.start(), m.end()))
    for m in finditer("baseline", text):
        masked.append((m.start(), m.end()))
        s.baseline = text[m.start() : m.end()]
        s.years = [y for y in s.years if str(y) != m.group(1)]
    for name in ("relative", "same", "period"):
        for m in finditer(name, text):
            masked.append((m.start(), m.end()))
            if name == "relative":
                s.relative = _RELATIVE_SHIFT.get(re.sub(r"\s+", " ", fold1(m.group(1))), 0) or next(
                    (v for k, v in _RELATIVE_SHIFT.items() if fold1(k) == fold1(m.group(1))), 0
                )
            elif name == "same":
                s.same_period = True
            else:
                s.period = s.period or m.group(0)
    lead = _search("lead", text)
    if lead and lead.end() > lead.start():
        s.cue = True
        masked.append((lead.start(), lead.end()))
    tail = _search("tail", text)
    if tail and re.search(r"thì|thi", text[tail.start() : tail.end()], re.IGNORECASE):
        s.cue = True
    if tail:
        masked.append((tail.start(), tail.end()))
    ana = _search("anaphor", text)
    if ana:
        noun = [w for w in ana.group(1).split() if fold1(w) not in {fold1(c) for c in _CUE_WORDS}]
        if noun:
            start = ana.start(1) + ana.group(1).find(noun[0])
            s.anaphor = (start, ana.end(), " ".join(noun))
    asks = [m for m in finditer("askverb", text) if not _inside(m.start(), masked)]
    if asks:
        s.ask_start = asks[0].start()
        after = text[asks[0].end() :]
        s.ask_at_end = len(_TOKEN_RE.findall(strip_tail(after))) <= 3
    s.topic_runs = _content_runs(text, masked, s.anaphor)
    return s


def _inside(pos: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def strip_tail(text: str) -> str:
    m = _search("tail", text)
    return text[: m.start()] if m else text


def _content_runs(
    text: str, masked: list[tuple[int, int]], anaphor: tuple[int, int, str] | None
) -> list[tuple[int, int]]:
    """Spans of adjacent content words (not slots, stopwords, cues or question words)."""
    tokens = list(_TOKEN_RE.finditer(text))
    content = {i for i, _ in content_positions(text)}
    if has_diacritics(text):
        # a careful typist's unaccented syllable is that syllable ("tai nạn"), not a stopword ("tại")
        content |= {
            i
            for i, m in enumerate(tokens)
            if m.group(0).lower() == fold(m.group(0).lower()) and m.group(0).lower() not in STOPWORDS
        }
    asks = [(m.start(), m.end()) for m in finditer("askverb", text)]
    runs: list[tuple[int, int]] = []
    prev_i = -2
    for i, m in enumerate(tokens):
        skip = (
            i not in content
            or _inside(m.start(), masked)
            or _inside(m.start(), asks)
            or (anaphor is not None and anaphor[0] <= m.start() < anaphor[1])
            or fold1(m.group(0)) in {fold1(c) for c in _CUE_WORDS}
        )
        if skip:
            continue
        if runs and prev_i == i - 1:
            runs[-1] = (runs[-1][0], m.end())
        else:
            runs.append((m.start(), m.end()))
        prev_i = i
    return runs
