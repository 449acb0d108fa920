"""Figures as data: every quantity of a report with what it measures (``IndicatorRecord``).

For each sentence of each chunk, ``ingest.numbers`` finds the figures; this module reads the
sentence around each one:

* the measured phrase — the words between the clause start (or the previous figure of the
  clause) and the figure, else the label before a colon, else the noun phrase after the unit,
  else the figure this one is a ratio of ("… 15.300.000.000đ đạt 268,43% kế hoạch");
* the indicator — that phrase matched against the catalogue (``data/indicators.tsv``) by
  normalised alias, nearest alias to the figure first, only where the figure's unit fits the
  indicator's measure; a phrase outside the catalogue is kept as it is;
* kind (thực hiện / ước thực hiện / kế hoạch / so sánh kỳ trước), base of a percentage, year
  and period from the clause, the section headings and the document's years.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from baocao.vntext import match_key
from ingest import figure_model, numbers
from ingest.metadata import body_years
from ingest.models import RECIPIENTS_HEADING, SIGNATURE_HEADING, Chunk, DocumentMeta, ParsedDocument
from ingest.numbers import DATA, Figure, find_figures
from ingest.sentences import split_sentences as _split


def _fingerprint() -> str:
    """Changes with the extraction code or data: stored records are then rebuilt."""
    h = hashlib.sha256()
    code = [Path(__file__), Path(numbers.__file__), Path(numbers.__file__).with_name("figure_model.py")]
    for f in sorted([*code, *DATA.glob("*.tsv"), *DATA.glob("*.json")]):
        h.update(f.read_bytes())
    return "indicators-" + h.hexdigest()[:12]


EXTRACTOR_VERSION = _fingerprint()

KINDS = ("thực hiện", "ước thực hiện", "kế hoạch", "so sánh kỳ trước")


class IndicatorRecord(BaseModel):
    ward: str
    indicator: str
    value_text: str
    value: float
    value_high: float | None = None
    unit: str = ""
    year: int | None = None
    period: str = ""
    kind: str = "thực hiện"
    base: str = ""
    topic: str = ""
    catalogued: bool = False
    phrase: str = ""
    document: str = ""
    doc_id: str = ""
    doc_date: str = ""
    section: str = ""
    text: str = ""
    chunk_id: str = ""
    source: str = ""
    page: int | None = None


@dataclass(frozen=True)
class Entry:
    topic: str
    indicator: str
    measure: str
    alias: str  # normalised
    nouns: frozenset[str] = frozenset()  # what a count of this indicator counts (empty: anything)


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, str]:
    out = {}
    for line in (DATA / "indicators.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("@abbr\t"):
            _, short, full = (c.strip() for c in line.split("\t")[:3])
            out[" ".join(re.sub(r"[^\w%‰]+", " ", match_key(short)).split())] = full
    return out


def norm(text: str) -> str:
    """Lower case, NFC, one tone placement, punctuation as spaces, abbreviations spelled out."""
    words = re.sub(r"[^\w%‰]+", " ", match_key(text)).split()
    abbr = abbreviations()
    return " ".join(abbr.get(w, w) for w in words) if abbr else " ".join(words)


@lru_cache(maxsize=1)
def catalogue() -> tuple[Entry, ...]:
    out = []
    for line in (DATA / "indicators.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "@")):
            continue
        cells = [p.strip() for p in line.split("\t")]
        topic, indicator, measure, aliases = cells[:4]
        nouns = frozenset(
            n.strip().lower() for n in (cells[4] if len(cells) > 4 else "").split("|") if n.strip()
        )
        for a in {indicator, *aliases.split("|")}:
            if a.strip():
                out.append(Entry(topic, indicator, measure, norm(a), nouns))
    return tuple(sorted(out, key=lambda e: -len(e.alias)))


def measure_of(unit: str) -> str:
    if unit in ("%", "‰"):
        return "percent"
    if unit == "đồng":
        return "money"
    if unit in ("ha", "m2", "km2"):
        return "area"
    return "count" if unit else "any"


def _fits(entry: Entry, measure: str, unit: str = "") -> bool:
    if entry.measure == "count" and measure == "count" and entry.nouns and unit:
        return unit.lower() in entry.nouns  # "66 lượt người" is not a number of schools
    if entry.measure == "any" or measure == "any":
        return True
    return entry.measure == measure


# an alias further than this many words before the figure names something else
MAX_GAP_WORDS = 10


@lru_cache(maxsize=1)
def _by_alias() -> tuple[dict[str, tuple[Entry, ...]], int]:
    out: dict[str, list[Entry]] = {}
    for e in catalogue():
        out.setdefault(e.alias, []).append(e)
    return {k: tuple(v) for k, v in out.items()}, max(len(a.split()) for a in out)


@lru_cache(maxsize=4096)
def _norm_words(phrase: str) -> tuple[str, ...]:
    return tuple(norm(phrase).split())


def match_catalogue(phrase: str, measure: str, unit: str = "", max_gap: int | None = None) -> Entry | None:
    """The catalogue alias that best names the end of ``phrase``: long and near its end
    ("TMDV tăng trưởng bình quân" → the trade indicator, not the economy-wide one)."""
    words = _norm_words(phrase)
    index, longest = _by_alias()
    n = len(words)
    best: tuple[float, int, Entry] | None = None
    for end in range(n, 0, -1):
        gap = n - end
        if max_gap is not None and gap > max_gap:
            break
        for size in range(min(longest, end), 0, -1):
            for e in index.get(" ".join(words[end - size : end]), ()):
                if _fits(e, measure, unit):
                    score = size - 0.5 * gap
                    if best is None or score > best[0]:
                        best = (score, -gap, e)
                    break
    return best[2] if best else None


# ---------------------------------------------------------------------------- sentence parts
_CLAUSE_DELIMS = ";()[]\n"
_FUNCTION = frozenset(
    [
        "đạt",
        "ước",
        "thực",
        "hiện",
        "được",
        "là",
        "có",
        "bằng",
        "chiếm",
        "tăng",
        "giảm",
        "và",
        "với",
        "so",
        "trong",
        "đó",
        "tổng",
        "số",
        "cho",
        "đến",
        "tới",
        "khoảng",
        "gần",
        "trên",
        "hơn",
        "dưới",
        "đã",
        "sẽ",
        "các",
        "những",
        "của",
        "tại",
        "theo",
        "năm",
        "thì",
        "còn",
        "như",
        "sau",
        "gồm",
        "là:",
        "của",
        "đạt:",
        "tính",
        "riêng",
        "đạt:",
        "về",
        "hoàn",
        "thành",
        "xong",
        "lên",
        "ước:",
        "kế",
        "hoạch",
        "cùng",
        "kỳ",
        "riêng",
        "nay",
        "hiện",
        "toàn",
    ]
)
_RIGHT_STOP = re.compile(
    r"[,;:()=.]|\s(?:trên|tại|với|của|cho|để|đã|được|và|đạt|so|trong|theo|về|do|từ|nhằm|ở|bằng|chiếm|"
    r"tăng|giảm|gồm|với)\s",
    re.IGNORECASE,
)
_PLAN_HEADING = re.compile(
    r"kế hoạch|nhiệm vụ|mục tiêu|chỉ tiêu|phương hướng|giải pháp|biện pháp", re.IGNORECASE
)
_RESULT_HEADING = re.compile(r"tình hình|kết quả|thực hiện", re.IGNORECASE)
_PLAN_CUE = re.compile(
    r"\b(?:phấn đấu|dự kiến|kế hoạch giao|giao kế hoạch|dự toán|chỉ tiêu (?:giao|đề ra|là)|mục tiêu (?:là|đến))\b",
    re.IGNORECASE,
)
_ESTIMATE_CUE = re.compile(r"\bước\b", re.IGNORECASE)
_BASE_RE = re.compile(
    r"^\s*(?:\(?\s*)(?:so\s+với\s+|với\s+)?(?P<b>kế\s+hoạch(?:\s+năm)?|KH|chỉ\s+tiêu|dự\s+toán|"
    r"cùng\s+kỳ(?:\s+năm\s+(?:19|20)\d\d)?|năm\s+trước|(?:năm\s+)?(?:19|20)\d\d)",
    re.IGNORECASE,
)
_BASE_SO_VOI = re.compile(r"^\s*(?:\(?\s*)so\s+với\s+(?P<b>[^,;.()]{2,40})", re.IGNORECASE)
_YEAR_MENTION = re.compile(r"\b(?:năm|Năm)\s+(?P<y>(?:19|20)\d\d)\b")
_PERIOD_RE = re.compile(
    r"\b(?:\d+|sáu|chín)\s+tháng\s+(?:đầu|cuối)\s+năm|\bquý\s+[IV]+\b|giai\s+đoạn\s+(?:19|20)\d\d\s*[-–]\s*(?:19|20)\d\d"
    r"|năm\s+học\s+(?:19|20)\d\d\s*[-–]\s*(?:19|20)\d\d|nhiệm\s+kỳ\s+(?:19|20)\d\d\s*[-–]\s*(?:19|20)\d\d",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    return [s.text for s in _split(text)]


def _clause_start(sentence: str, pos: int) -> int:
    return max(sentence.rfind(d, 0, pos) for d in _CLAUSE_DELIMS) + 1


def _content(words: str) -> str:
    """Drop periods ("6 tháng đầu năm"), then function words at both ends; what is left names
    something (or is empty)."""
    words = _PERIOD_RE.sub(" ", words)
    words = re.sub(r"\b(?:năm|Năm)\s+(?:19|20)\d\d\b", " ", words)
    toks = words.split()
    while toks and (toks[0].lower().strip(",:") in _FUNCTION or not re.search(r"[^\W\d_]", toks[0])):
        toks.pop(0)
    while toks and (toks[-1].lower().strip(",:") in _FUNCTION or not re.search(r"[^\W\d_]", toks[-1])):
        toks.pop()
    return " ".join(toks).strip(" ,:-–")


_NOT_NOUN_START = frozenset(
    [
        "so",
        "kế",
        "đạt",
        "và",
        "với",
        "bằng",
        "của",
        "cho",
        "tại",
        "là",
        "được",
        "tăng",
        "giảm",
        "trong",
        "đến",
        "năm",
        "tháng",
        "ngày",
        "trên",
        "trở",
    ]
)


def _right_noun_phrase(sentence: str, end: int) -> str:
    """ "93% gia đình đạt danh hiệu văn hóa": the words after a figure up to punctuation (≤ 8)."""
    rest = sentence[end:]
    cut = re.split(r"[,;:()=.]|\s(?:và|với)\s|\s\d", rest, maxsplit=1)[0]
    cut = re.sub(r"^\s*trở\s+lên\b", "", cut, flags=re.IGNORECASE)  # "95% trở lên số hộ …"
    words = cut.split()
    if not words or words[0].lower() in _NOT_NOUN_START:
        return ""
    return " ".join(words[:10])


def _right_phrase(sentence: str, end: int) -> str:
    rest = sentence[end:]
    m = _RIGHT_STOP.search(" " + rest + " ")
    cut = rest[: max(0, m.start() - 1)] if m else rest
    return " ".join(cut.split()[:6])


@dataclass
class _Ctx:
    ward: str
    years: list[int]
    plan_section: bool
    heading_year: int | None
    heading: str


_CHANGE_BEFORE = re.compile(r"\b(?:tăng|giảm|nhiều hơn|ít hơn|vượt)\s*$", re.IGNORECASE)
_SO_VOI_BEFORE = re.compile(r"so\s+với\s+(?P<b>[^,;()]{2,40}?)\s+(?:tăng|giảm)\s*$", re.IGNORECASE)


def _base(sentence: str, f: Figure) -> str:
    """What a percentage — or a change ("tăng 06 vụ so với cùng kỳ") — is measured against."""
    tail = sentence[f.end : f.end + 60]
    if f.unit not in ("%", "‰"):
        head = sentence[max(0, f.start - 60) : f.start]
        m = _SO_VOI_BEFORE.search(head)  # "(so với năm học trước giảm 159 trẻ)"
        if m:
            return " ".join(m.group("b").split())
        if not _CHANGE_BEFORE.search(head):
            return ""  # an absolute figure; only a change has a base
        m = _BASE_SO_VOI.match(tail)
        return " ".join(m.group("b").split()) if m else ""
    m = _BASE_RE.match(tail)
    if m:
        b = " ".join(m.group("b").split())
        return "kế hoạch" if b.lower() in ("kh", "kế hoạch năm") else b
    m = _BASE_SO_VOI.match(tail)
    return " ".join(m.group("b").split()) if m else ""


def _kind(clause: str, local: str, base: str, f: Figure, ctx: _Ctx) -> str:
    if f.approx == "/":
        return "kế hoạch"
    if base and (base.lower().startswith(("cùng kỳ", "năm", "kỳ trước")) or re.match(r"(?:19|20)\d\d", base)):
        return "so sánh kỳ trước"
    if base and f.unit not in ("%", "‰"):
        return "so sánh kỳ trước"  # "tăng 06 vụ so với …": a change, not a level
    if _PLAN_CUE.search(local) or ctx.plan_section:
        return "kế hoạch"
    if _ESTIMATE_CUE.search(clause):
        return "ước thực hiện"
    return "thực hiện"


def _year(sentence: str, f: Figure, ctx: _Ctx, kind: str) -> int | None:
    best: int | None = None
    for m in _YEAR_MENTION.finditer(sentence):
        head = sentence[max(0, m.start() - 20) : m.start()].lower()
        if "so với" in head or "cùng kỳ" in head or "học" in sentence[m.start() : m.end() + 4]:
            continue
        if m.start() < f.start or best is None:
            best = int(m.group("y"))
    if best is not None:
        return best
    if ctx.heading_year:
        return ctx.heading_year
    if not ctx.years:
        return None
    return max(ctx.years) if kind == "kế hoạch" else min(ctx.years)


def _period(sentence: str) -> str:
    m = _PERIOD_RE.search(sentence)
    return " ".join(m.group(0).split()) if m else "năm"


_GIVEN_TO = re.compile(
    r"\b(?:cho|đến|tặng|trao|thăm|hỗ trợ|cấp|giúp|chi trả|phát)(?:\s+\S+){0,2}\s*$", re.IGNORECASE
)


_MONEY_WORDS = frozenset(["tiền", "số", "tổng", "kinh", "phí", "trị", "giá", "với", "tổng số tiền"])
_LEAD_VERB = re.compile(r"^(?:tiếp tục|đã|tổ chức|phối hợp|chỉ đạo|thực hiện|triển khai)\s+", re.IGNORECASE)
_GIVEN_TAIL = re.compile(r"\s+(?:cho|đến|tới)$", re.IGNORECASE)


def _name(
    f: Figure,
    left: str,
    label: str,
    right: str,
    prev: str | None,
    prev_phrase: str,
    heading: str,
    base: str,
    right_long: str = "",
    clause_left: str = "",
    cat: bool = True,
) -> tuple[str, str, Entry | None]:
    """(indicator, phrase, catalogue entry) for one figure (``cat=False``: the report's own
    words only, no catalogue name)."""
    measure = measure_of(f.unit)
    if measure == "percent" and base:
        measure = "any"  # "đạt 104,4% so với kế hoạch": a ratio of the money/count indicator
    after = right_long or right
    unit_phrase = (
        f"{f.unit} {after}".strip() if measure == "count" and not after.startswith(f.unit) else after
    )
    # "hỗ trợ gạo cho 02 hộ nghèo": the households helped, not the number of poor households
    given = bool(_GIVEN_TO.search(left))
    for phrase, gap in ((left, MAX_GAP_WORDS), (unit_phrase, None), (label, None)):
        if phrase and not (given and phrase is unit_phrase):
            e = match_catalogue(phrase, measure, f.unit, gap) if cat else None
            if e:
                return e.indicator, phrase, e
    left_c, label_c = _content(left), _content(label)
    if base and prev and measure != "percent" and len(left_c.split()) <= 4:
        # "12 vụ … (tăng 06 vụ so với năm 2022)": the change of the figure before it
        return prev, prev_phrase or prev, match_catalogue(prev_phrase or prev, "any")
    if right_long and not f.unit:
        return right_long, right_long, None  # "9/9 = 100% TDP": the fraction of the same thing
    if measure == "count" and not left_c and clause_left:
        # "Trả tiền bồi thường 08 đợt cho 266/266 hộ": the clause's verb phrase, figures left out
        words = [w for w in clause_left.split() if not re.search(r"\d", w)]
        left_c = _content(" ".join(words))
        given = given or bool(_GIVEN_TO.search(clause_left))
    if measure == "money" and prev and set(left_c.lower().split()) <= _MONEY_WORDS:
        left_c = ""  # "… cho 154 cụ với tổng số tiền 57.950.000đ": the money of the same thing
    if measure == "count":
        named = right if right.startswith(f.unit) else f"{f.unit} {right}".strip()
        if (
            given and left_c
        ):  # "hỗ trợ gạo hằng tháng cho 02 hộ nghèo" → "hộ nghèo được hỗ trợ gạo hằng tháng"
            act = _LEAD_VERB.sub("", " ".join(left_c.split()[-8:]))
            act = _GIVEN_TAIL.sub("", act).strip() or act
            named = f"{f.unit} được {act[:1].lower()}{act[1:]}"
        elif left_c and len(left_c.split()) <= 8 and not right:
            named = f"{f.unit} {left_c}" if len(left_c.split()) <= 3 else left_c
        context = " ".join([*left_c.split()[-6:], f.unit, *right.split()]).strip()
        return named, context, None
    if left_c:
        return " ".join(left_c.split()[-8:]), left_c, None
    if right_long and measure == "percent":
        return f"tỷ lệ {right_long}", right_long, None  # "100% giáo viên đạt chuẩn …"
    if prev:
        # a ratio of the previous figure: "04 hộ nghèo = 0,14%" → the rate of the same thing
        e = match_catalogue(prev_phrase, measure) if prev_phrase and cat else None
        if e:
            return e.indicator, prev_phrase, e
        return prev, prev_phrase or prev, match_catalogue(prev, "any")
    if label_c:
        return " ".join(label_c.split()[-8:]), label_c, None
    e = match_catalogue(heading, measure) if cat else None
    if e:
        return e.indicator, heading, e
    return (_content(right) or heading or "chưa rõ chỉ tiêu"), right, None


_PREDICATE = re.compile(r"\s(?:đạt|được|tham gia|hoàn thành|đăng ký)\s.*$", re.IGNORECASE)


def _share_predicate(sentence: str, figs: list[Figure], nouns: list[str]) -> None:
    """ "100% cơ quan, 100% TDP và 93% gia đình đạt danh hiệu văn hóa": the list's closing
    predicate belongs to every noun of the list."""
    if len(figs) < 2 or not nouns[-1]:
        return
    m = _PREDICATE.search(" " + nouns[-1])
    if not m:
        return
    pred = m.group(0).strip()
    for i in range(len(figs) - 1):
        between = sentence[figs[i].end : figs[-1].start]
        if nouns[i] and not _PREDICATE.search(" " + nouns[i] + " ") and not re.search(r"[;:]|\.\s", between):
            nouns[i] = f"{nouns[i]} {pred}"


class Namer(Protocol):
    """Chooses a figure's name among candidates (``ingest.naming.NameChooser``)."""

    def choose(
        self, f: Figure, query: str, measure: str, cands: list[tuple[str, str, Entry | None]]
    ) -> tuple[str, Entry | None]: ...


_NUMBERING = re.compile(r"^\s*(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])[.)]\s*", re.IGNORECASE)


def _name_candidates(
    f: Figure, left: str, label: str, noun: str, clause_left: str, prev: str | None, heading: str,
    word: tuple[str, Entry | None], own: str, base: str = "",
) -> list[tuple[str, str, Entry | None]]:  # fmt: skip
    """(source, name, entry): the names the sentence offers for a figure."""
    clause = _content(" ".join(w for w in clause_left.split() if not re.search(r"\d", w)))
    out: list[tuple[str, str, Entry | None]] = [("words", word[0], word[1]), ("own", own, None)]
    out += [
        ("left", " ".join(_content(left).split()[-8:]), None),
        ("label", " ".join(_content(label).split()[-8:]), None),
        ("clause", " ".join(clause.split()[-8:]), None),
        ("noun", _content(noun), None),
        ("prev", prev or "", None),
        ("heading", _content(_NUMBERING.sub("", heading)), None),
    ]
    noun_c = _content(noun)
    if base and (_BASE_RE.match(noun) or norm(noun_c).startswith(norm(base))):
        noun_c = ""  # "đạt 91,1% KH": the base of the rate, not what it measures
    out[5] = ("noun", noun_c, None)
    if noun_c and measure_of(f.unit) == "count" and not noun.startswith(f.unit):
        out.append(("unit_noun", f"{f.unit} {noun_c}", None))  # "04 hộ nghèo"
    if noun_c and f.unit in ("%", "‰"):
        out.append(("rate_noun", f"tỷ lệ {noun_c}", None))  # "100% giáo viên đạt chuẩn"
    # a name says what is measured: more than the figure's unit
    unit = norm(f.unit)
    return [c for c in out if norm(c[1]) and norm(c[1]) != unit]


def _query(left: str, f: Figure, noun: str) -> str:
    """What a figure is about, for naming by meaning: the clause's words before it (figures
    left out), its unit and the noun phrase after it."""
    words = [w for w in left.split() if not re.search(r"\d", w)]
    return " ".join([*_content(" ".join(words)).split()[-10:], f.unit, noun]).strip()


def extract_sentence(
    sentence: str, ctx: _Ctx, min_score: float | None = None, namer: Namer | None = None
) -> list[tuple[Figure, dict[str, object]]]:
    out: list[tuple[Figure, dict[str, object]]] = []
    figs = find_figures(sentence, min_score)
    prev_indicator: str | None = None
    prev_phrase = ""
    prev_end = 0
    nouns = [_right_noun_phrase(sentence, f.end) for f in figs]
    for i in range(len(figs) - 2, -1, -1):
        if re.fullmatch(r"\s*=\s*", sentence[figs[i].end : figs[i + 1].start]) and not nouns[i]:
            nouns[i] = nouns[i + 1]  # "2.595/2.789 = 93% gia đình …": both count the same thing
    _share_predicate(sentence, figs, nouns)
    for fi, f in enumerate(figs):
        cs = _clause_start(sentence, f.start)
        ls = max(cs, prev_end) if prev_end > cs else cs
        left_full = sentence[ls : f.start]
        label = ""
        if ":" in left_full:
            label, left = left_full.rsplit(":", 1)
            if not _content(left):
                left = ""
        else:
            left = left_full
        if _content(left) == "" and prev_end > cs:
            left = ""  # "… đạt 268,43% kế hoạch và bằng 82,71%": a ratio of the previous figure
        right = _right_phrase(sentence, f.end)
        base = _base(sentence, f)
        indicator, phrase, entry = _name(
            f,
            left,
            label,
            right,
            prev_indicator,
            prev_phrase,
            ctx.heading,
            base,
            nouns[fi],
            sentence[cs : f.start],
        )
        if namer is not None and f.approx != "/":
            own, own_phrase, _ = _name(
                f, left, label, right, prev_indicator, prev_phrase, ctx.heading, base, nouns[fi],
                sentence[cs : f.start], cat=False,
            )  # fmt: skip
            measure = "any" if base and f.unit in ("%", "‰") else measure_of(f.unit)
            query = _query(sentence[cs : f.start], f, nouns[fi] or right)
            cands = _name_candidates(
                f, left, label, nouns[fi], sentence[cs : f.start], prev_indicator, ctx.heading,
                (indicator, entry), own, base,
            )  # fmt: skip
            chosen, entry = namer.choose(f, query, measure, cands)
            phrase = phrase if chosen == indicator else own_phrase if chosen == own else chosen
            indicator = chosen
        kind = _kind(sentence[cs : f.start] + " " + label, left_full, base, f, ctx)
        if (
            entry
            and entry.measure == "percent"
            and f.unit not in ("%", "‰")
            and indicator.startswith("tỷ lệ ")
        ):
            indicator = "số " + indicator[len("tỷ lệ ") :]  # "9/9 = 100% TDP …": the count beside the rate
        if f.approx == "/" and prev_indicator:
            indicator, entry = prev_indicator, match_catalogue(prev_indicator, "any")
        out.append(
            (
                f,
                {
                    "indicator": indicator,
                    "phrase": phrase,
                    "topic": entry.topic if entry else "",
                    "catalogued": entry is not None,
                    "kind": kind,
                    "base": base,
                    "year": _year(sentence, f, ctx, kind),
                    "period": _period(sentence),
                },
            )
        )
        prev_indicator, prev_phrase = indicator, phrase
        # the previous figure's own noun phrase ("03 vụ tai nạn giao thông") is not the next one's name
        tail = sentence.find(right, f.end) if right else -1
        prev_end = tail + len(right) if tail >= 0 and right else f.end
    return out


# A table row as the loaders render it (``ingest.tables``): "STT: 1 | Chỉ tiêu: Thu ngân sách |
# ĐVT: triệu đồng | KH 2024: 1.200 | TH 2024: 1.350 | So sánh TH/KH (%): 112,5". What a cell
# measures is in the row's label cell, its unit in the unit column, its kind, year and base in
# its column header: read from there, not from the words beside the number.
_ROW_SEP = " | "
_INDEX_HEAD = re.compile(r"^(?:số\s*)?s?tt\b|^số\s+thứ\s+tự", re.IGNORECASE)
_UNIT_HEAD = re.compile(r"^(?:đvt|dvt|đơn\s+vị(?:\s+tính)?)\b", re.IGNORECASE)
_LABEL_HEAD = re.compile(
    r"chỉ\s+tiêu|nội\s+dung|danh\s+mục|hạng\s+mục|lĩnh\s+vực|tên\b|diễn\s+giải", re.IGNORECASE
)
_INDEX_VALUE = re.compile(r"^\(?(?:\d{1,3}(?:\.\d{1,2})*|[IVXLC]{1,5}|[a-zđA-ZĐ])[.)]?$")
_NUMERIC_CELL = re.compile(r"^[-+]?\s*\d[\d.,]*\s*(?:%|‰)?$")
_RATIO_HEAD = re.compile(
    r"so\s+sánh|so\s+với|\(\s*%\s*\)|tỷ\s+lệ\s+(?:đạt|TH|thực\s+hiện|so)|\b(?:Ư?TH|UTH)\s*/\s*(?:KH|CK|cùng)"
    r"|\bđạt\s*%|%\s*(?:KH|kế\s+hoạch|CK|cùng\s+kỳ)",
    re.IGNORECASE,
)
_PERIOD_BASE = re.compile(r"cùng\s+kỳ|\bCK\b|năm\s+trước|kỳ\s+trước|(?:19|20)\d\d", re.IGNORECASE)
_PLAN_BASE = re.compile(r"\bKH\b|kế\s+hoạch|dự\s+toán|chỉ\s+tiêu|nghị\s+quyết|\bNQ\b", re.IGNORECASE)
_PLAN_HEAD = re.compile(
    r"\bKH\b|kế\s+hoạch|chỉ\s+tiêu|mục\s+tiêu|dự\s+kiến|dự\s+toán|phấn\s+đấu|nghị\s+quyết|\bNQ\b",
    re.IGNORECASE,
)
_ESTIMATE_HEAD = re.compile(r"\bước\b|\bƯTH\b|\bUTH\b", re.IGNORECASE)
_DONE_HEAD = re.compile(r"\bTH\b|thực\s+hiện|kết\s+quả|\bđạt\b|lũy\s+kế", re.IGNORECASE)
_MONTHS_HEAD = re.compile(r"\b(\d{1,2}|sáu|chín)\s+tháng(?!\s+(?:đầu|cuối))", re.IGNORECASE)
_LEAD_NUMBER = re.compile(r"^\s*(?:[-–+•*]|\(?(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,4}|[a-zđ])[.)])\s*")


def _cells(line: str) -> list[tuple[str, str]]:
    """(column header, cell text) for each cell of a rendered row."""
    out = []
    for part in line.split(_ROW_SEP):
        head, sep, value = part.partition(": ")
        out.append(
            (head.strip(), value.strip()) if sep and not _NUMERIC_CELL.match(head) else ("", part.strip())
        )
    return out


def _cell_figure(value: str, unit_text: str, ratio: bool) -> Figure | None:
    """The figure a cell holds (its unit from the unit column when it writes none)."""
    figs = find_figures(value, 0.0)
    if len(figs) != 1:
        return None
    f = figs[0]
    if not _NUMERIC_CELL.match(value) and not (
        f.score >= figure_model.threshold() and f.start == 0 and f.end >= len(value) - 1
    ):
        return None  # "Năm 2021", "khoảng 3 tháng": not a figure column's cell
    if ratio and not f.unit:
        with_unit = find_figures(f"{value} %", 0.0)
        f = with_unit[0] if len(with_unit) == 1 else f
    elif not f.unit and unit_text:
        with_unit = find_figures(f"{value} {unit_text}", 0.0)
        if len(with_unit) == 1 and with_unit[0].unit:
            f = with_unit[0]
        else:
            f = replace(f, unit=" ".join(unit_text.lower().split()))
    return replace(f, value_text=value, start=0, end=len(value))


def _is_unit_cell(value: str) -> bool:
    """A short cell naming a unit ("%", "ha", "triệu đồng", "hộ")."""
    if not value or re.search(r"\d", value) or len(value.split()) > 3:
        return False
    figs = find_figures(f"1 {value}", 0.0)
    return len(figs) == 1 and bool(figs[0].unit) and figs[0].end >= len(value) + 1


def _row_kind(head: str, base: str, ctx: _Ctx) -> str:
    if base and _PERIOD_BASE.search(base):
        return "so sánh kỳ trước"
    if _ESTIMATE_HEAD.search(head):
        return "ước thực hiện"
    if base:
        return "thực hiện"  # "So sánh TH/KH (%)": how much of the plan was done
    if _PLAN_HEAD.search(head):
        return "kế hoạch"
    if _DONE_HEAD.search(head):
        return "thực hiện"
    return "kế hoạch" if ctx.plan_section else "thực hiện"


def _row_period(head: str) -> str:
    m = _MONTHS_HEAD.search(head)
    if m and not _PERIOD_RE.search(head):
        return f"{m.group(1)} tháng đầu năm"
    return _period(head)


def extract_row(line: str, ctx: _Ctx) -> list[tuple[Figure, dict[str, object]]] | None:
    """The figures of one rendered table row, or None when ``line`` is not one (then it is read
    as a sentence)."""
    if _ROW_SEP not in line:
        return None
    cells = _cells(line)
    if len(cells) < 2:
        return None
    label_i = next((i for i, (h, v) in enumerate(cells) if _LABEL_HEAD.search(h) and v), None)
    if label_i is None:
        label_i = next(
            (
                i
                for i, (h, v) in enumerate(cells)
                if v and re.search(r"[^\W\d_]{2}", v) and not _INDEX_HEAD.match(h) and not _UNIT_HEAD.match(h)
                and not _cell_figure(v, "", False)
            ),
            None,
        )  # fmt: skip
    if label_i is None:
        return None
    unit_i = next((i for i, (h, _) in enumerate(cells) if _UNIT_HEAD.match(h)), None)
    if unit_i is None and label_i + 1 < len(cells) and _is_unit_cell(cells[label_i + 1][1]):
        unit_i = label_i + 1  # a headerless "2 | Tỷ lệ tham gia BHYT | % | 90 | 91,2"
    unit_text = cells[unit_i][1] if unit_i is not None else ""
    label = _LEAD_NUMBER.sub("", cells[label_i][1]).strip(" :")
    if not re.search(r"[^\W\d_]", label):
        return None
    out: list[tuple[Figure, dict[str, object]]] = []
    offset = 0
    for i, (head, value) in enumerate(cells):
        pos = line.find(value, offset) if value else -1
        offset = pos + len(value) if pos >= 0 else offset
        if i in (label_i, unit_i) or not value or _INDEX_HEAD.match(head):
            continue
        if i < label_i and _INDEX_VALUE.match(value):
            continue  # the row's number ("1", "II", "a)")
        ratio = bool(_RATIO_HEAD.search(head))
        f = _cell_figure(value, unit_text, ratio)
        if f is None or pos < 0:
            continue
        f = replace(f, start=pos, end=pos + len(value))
        base = ""
        if ratio:
            base = "cùng kỳ" if _PERIOD_BASE.search(head) else "kế hoạch" if _PLAN_BASE.search(head) else ""
        measure = "any" if base and f.unit in ("%", "‰") else measure_of(f.unit)
        entry = match_catalogue(label, measure, f.unit)
        indicator = entry.indicator if entry else label[:1].lower() + label[1:]
        kind = _row_kind(head, base, ctx)
        years = re.findall(r"\b(?:19|20)\d\d\b", head)
        year = int(years[-1]) if years else _year(label, f, ctx, kind)
        out.append(
            (
                f,
                {
                    "indicator": indicator,
                    "phrase": label,
                    "topic": entry.topic if entry else "",
                    "catalogued": entry is not None,
                    "kind": kind,
                    "base": base,
                    "year": year,
                    "period": _row_period(head),
                },
            )
        )
    return out


def _ctx(meta: DocumentMeta, heading_path: list[str]) -> _Ctx:
    plan = False
    year = None
    for h in heading_path:
        if _PLAN_HEADING.search(h) and not _RESULT_HEADING.search(h):
            plan = True
        elif _RESULT_HEADING.search(h):
            plan = False
        ys = re.findall(r"\b(?:19|20)\d\d\b", h)
        if ys:
            year = int(ys[-1])
    return _Ctx(meta.ward, list(meta.years), plan, year, heading_path[-1] if heading_path else "")


def _units(text: str, ctx: _Ctx) -> Iterator[tuple[str, list[tuple[Figure, dict[str, object]]] | None]]:
    """Each table row of a passage with its figures, each other sentence with None."""
    lines = text.split("\n")
    rows = [extract_row(line.strip(), ctx) if _ROW_SEP in line else None for line in lines]
    first_row = next((i for i, r in enumerate(rows) if r is not None), len(lines))
    if any(r is None and line.strip() for line, r in zip(lines[first_row:], rows[first_row:], strict=True)):
        first_row = len(lines)  # prose after a row: not a row passage, every line is read
    for i, (line, found) in enumerate(zip(lines, rows, strict=True)):
        if found is not None:
            yield line.strip(), found
        elif i < first_row < len(lines):
            continue  # the table's caption, repeated above each of its rows (ingest.tables.take_rows)
        else:
            for sentence in split_sentences(line):
                yield sentence, None


def chunk_figures(
    meta: DocumentMeta,
    text: str,
    heading_path: list[str],
    chunk_id: str,
    page: int | None,
    min_score: float | None = None,
    namer: Namer | None = None,
) -> Iterator[tuple[Figure, IndicatorRecord]]:
    """Each figure of a chunk with its record (``min_score``: see ``numbers.find_figures``;
    ``namer``: names by meaning, see ``ingest.naming``)."""
    ctx = _ctx(meta, heading_path)
    section = " > ".join(heading_path)
    for sentence, found in _units(text, ctx):
        if sentence in heading_path:
            continue  # the heading line repeated at the top of the chunk
        if found is None:
            found = extract_sentence(sentence, ctx, min_score, namer)
        for f, info in found:
            yield (
                f,
                IndicatorRecord(
                    ward=meta.ward,
                    value_text=f.value_text,
                    value=f.value,
                    value_high=f.value_high,
                    unit=f.unit,
                    document=meta.label,
                    doc_id=meta.doc_id,
                    doc_date=meta.date,
                    section=section,
                    text=sentence,
                    chunk_id=chunk_id,
                    source=meta.source,
                    page=page,
                    **info,  # type: ignore[arg-type]
                ),
            )


def extract_chunk(
    meta: DocumentMeta,
    text: str,
    heading_path: list[str],
    chunk_id: str,
    page: int | None,
    namer: Namer | None = None,
) -> list[IndicatorRecord]:
    return [r for _, r in chunk_figures(meta, text, heading_path, chunk_id, page, None, namer)]


def document_figures(
    meta: DocumentMeta, chunks: Iterable[Chunk], min_score: float | None = None, namer: Namer | None = None
) -> Iterator[tuple[Figure, IndicatorRecord]]:
    chunks = list(chunks)
    if not meta.years:  # a text with no title, year headings or date: the years its body names
        meta = meta.model_copy(update={"years": body_years(c.text for c in chunks)})
    for c in chunks:
        if c.heading_path[:1] in ([SIGNATURE_HEADING], [RECIPIENTS_HEADING]):
            continue
        yield from chunk_figures(meta, c.text, c.heading_path, c.id, c.page, min_score, namer)


def extract_document(
    meta: DocumentMeta, chunks: Iterable[Chunk], namer: Namer | None = None
) -> list[IndicatorRecord]:
    return [r for _, r in document_figures(meta, chunks, None, namer)]


def extract_parsed(parsed: ParsedDocument, namer: Namer | None = None) -> list[IndicatorRecord]:
    return extract_document(parsed.metadata, parsed.chunks, namer)
