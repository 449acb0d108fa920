"""A grammar of Vietnamese figures as report writers type them.

``find_figures(sentence)`` returns every span of a sentence that states a quantity, with
its number parsed: ``"15.300.000.000đ"`` → 15 300 000 000 đồng, ``"268,43%"``, ``"gần 7,6 tỷ
đồng"`` → 7.6e9 đồng, ``"23,5 - 24%"`` (a range), ``"169/180"`` (done of planned),
``"0,02‰"``. "." groups thousands and "," marks decimals; "tỷ / triệu / nghìn" scale.

What is *not* a figure is decided by the number's grammatical role, not by a list of
sentences: list numbering at the start of a line ("2.7."), dates ("30/8/2023", "ngày 30",
"tháng 8"), years ("năm 2023", "2022-2025"), document numbers ("137/BC-UBND", "17-CT/TU"),
article numbers ("Điều 5"), footnote markers ("phế thải(6)"), ordinals ("đợt 1", "lần thứ
V"), addresses and names ("ngõ 2", "tổ 8,9", "Nam Giang 1"), codes glued to letters
("Covid-19", "295B") and durations ("60 năm", "6 tháng", "5 tuổi").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"

# "15.300.000" (thousands), "7.2" (a decimal point typed the English way — or a code "15.1"),
# "268,43" (decimal comma)
_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+\.\d{1,2}(?![\d.,])|\d+(?:,\d+)?"
_QUAL = r"(?:gần|khoảng|trên|hơn|dưới|xấp xỉ|ít nhất|tối thiểu|tối đa|hàng)"
_SCALE = {"tỷ": 1e9, "tỉ": 1e9, "triệu": 1e6, "nghìn": 1e3, "ngàn": 1e3}
_FIGURE_RE = re.compile(
    rf"(?:(?P<qual>{_QUAL})\s+)?"
    rf"(?P<num>{_NUM})"
    rf"(?:(?P<frac>/) ?(?P<den>{_NUM}))?"
    rf"(?:\s*(?P<dash>[-–]|đến|tới)\s*(?P<hi>{_NUM}))?"
    r"(?:\s*(?P<scale>tỷ|tỉ|triệu|nghìn|ngàn)(?![^\W\d_])"
    r"(?:\s+(?P<num2>\d{1,3})\s*(?P<scale2>triệu|nghìn|ngàn)(?![^\W\d_]))?)?",
    re.IGNORECASE,
)
# symbols and measure words right after the number (longest first)
_SYMBOL_RE = re.compile(
    r"\s*(?P<u>%|‰|(?:tạ|tấn|kg)/ha|đồng(?!\s+chí)|đ(?![^\W\d_]|/[^\W\d_])|ha(?![^\W\d_])|m2|m²|m3|m³|km|kg|tấn|lít)",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[^\W\d_]+")
_YEAR_RE = re.compile(r"(?:19|20)\d\d")

# the word before a number that makes it a date, an ordinal, a name or an address
_NOT_VALUE_BEFORE = re.compile(
    r"(?:\b(?:ngày|tháng|quý|tuần|niên khóa|nhiệm kỳ|giai đoạn|khóa|khoá|kỳ|kì|lần thứ|thứ|lần|đợt|"
    r"(?<!tổng )số|điều|khoản|điểm|chương|mục|phụ lục|ngõ|ngách|hẻm|kiệt|tổ|tổ dân phố|tdp|thôn|xóm|khu|lô|"
    r"đường|phố|quốc lộ|tỉnh lộ|ql|tl|km|phòng|tầng|lớp|cấp độ|mức độ|nhóm|cụm|"
    r"nghị định|thông tư|quyết định|chỉ thị|nghị quyết|công văn|luật|iso|tcvn|"
    r"kỷ niệm|covid|mẫu|phiên bản|hạng|bậc|top)\s*$|[-–/:#№]$)",
    re.IGNORECASE,
)
# the word after a number that makes it a date, a duration or an age
_NOT_VALUE_AFTER = re.compile(
    r"^\s*(?:năm\b|tháng\b|ngày\b|tuổi\b|giờ\b|phút\b|quý\b|tuần\b|h\b|lần thứ|kỳ họp|khóa\b|"
    r"(?:xin|luôn|không|có|đúng|cùng|tại chỗ|an toàn|đảm bảo)\b)",
    re.IGNORECASE,
)
_LIST_NUMBER_RE = re.compile(
    r"^\s*(?:[-–+•*]\s*)?(?:\d+(?:\.\d+)*[.)]|\d{1,2}(?:\.\d{1,2})+(?!\d)|[IVXLC]+\.|[a-zđ][.)])\s+",
    re.IGNORECASE,
)


@dataclass
class Figure:
    start: int
    end: int
    value_text: str
    value: float
    value_high: float | None
    unit: str
    denominator: float | None = None
    approx: str = ""
    features: dict[str, float] = field(default_factory=dict)
    score: float = 1.0
    names: list[tuple[str, dict[str, float]]] = field(default_factory=list)  # name candidates, features


def parse_number(raw: str) -> float:
    """ "15.300.000.000" → 15300000000, "268,43" → 268.43, "1.234,5" → 1234.5."""
    raw = raw.strip()
    if "." in raw and re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", raw):
        raw = raw.replace(".", "")
    return float(raw.replace(",", "."))


@lru_cache(maxsize=1)
def counter_words() -> tuple[str, ...]:
    """Nouns that count things ("hộ", "trường hợp", "học sinh"…), longest first."""
    words = []
    for line in (DATA / "units.tsv").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(line.split("\t")[0].strip().lower())
    return tuple(sorted(set(words), key=lambda w: (-len(w), w)))


def _unit_after(text: str, pos: int) -> tuple[str, int]:
    """The unit right after position ``pos`` and where it ends ("" when none)."""
    m = _SYMBOL_RE.match(text, pos)
    if m:
        u = m.group("u")
        low = u.lower()
        unit = {"đ": "đồng", "m²": "m2", "m³": "m3"}.get(low, low)
        return unit, m.end()
    rest = text[pos:]
    stripped = rest.lstrip()
    offset = pos + len(rest) - len(stripped)
    low = stripped.lower()
    for w in counter_words():
        if low.startswith(w) and (len(low) == len(w) or not low[len(w)].isalpha()):
            return w, offset + len(w)
    return "", pos


def _is_list_number(sentence: str, start: int) -> bool:
    m = _LIST_NUMBER_RE.match(sentence)
    return bool(m and start < m.end())


def _glued(sentence: str, start: int, end: int) -> bool:
    """A number glued to letters ("Covid-19", "295B", "2K", "24/24h") is a code, not a figure."""
    before = sentence[start - 1] if start > 0 else " "
    after = sentence[end] if end < len(sentence) else " "
    if before.isalpha():
        return True
    if before in "-–" and start >= 2 and sentence[start - 2].isalpha():
        return True
    return after.isalpha() and not _SYMBOL_RE.match(sentence, end)


def _footnote_marker(sentence: str, start: int, end: int) -> bool:
    """ "phế thải(6)", "(6):" — a marker in parentheses with nothing else inside."""
    if start == 0 or sentence[start - 1] != "(" or end >= len(sentence) or sentence[end] != ")":
        return False
    glued = start >= 2 and not sentence[start - 2].isspace()
    head = sentence[: start - 1].rstrip().lower()
    return glued or head.endswith("chú thích") or start - 1 == 0


def _proper_name_before(sentence: str, start: int) -> bool:
    """ "tổ dân phố Nam Giang 1", "Tổ trưởng tổ dân phố Nam Giang 2": a number ending a name."""
    words = _WORD_RE.findall(sentence[max(0, start - 30) : start])
    if len(words) < 2 or not sentence[:start].rstrip() or not sentence[start - 1].isspace():
        return False
    tail = sentence[:start].rstrip()
    if not tail or not tail[-1].isalpha():
        return False
    return words[-1][0].isupper() and words[-2][0].isupper() and not words[-1].isupper()


_DOC_NUMBER_AFTER = re.compile(r"^[-/][^\W\d_]")
_LIST_JOIN = re.compile(r"^\s*(?:,|và|-|–)\s*$")
# words that follow a number without being what it counts
_NOT_UNIT = frozenset(
    [
        "đạt",
        "bằng",
        "và",
        "với",
        "so",
        "trong",
        "của",
        "cho",
        "tại",
        "là",
        "được",
        "có",
        "đã",
        "sẽ",
        "đến",
        "tới",
        "từ",
        "theo",
        "trên",
        "dưới",
        "hơn",
        "gần",
        "khoảng",
        "tăng",
        "giảm",
        "chiếm",
        "trong",
        "đó",
        "như",
        "các",
        "những",
        "mỗi",
        "một",
    ]
)


def _fallback_unit(text: str, pos: int) -> str:
    m = re.match(r"\s+([^\W\d_]+)", text[pos:])
    if not m or not m.group(1).islower() or m.group(1) in _NOT_UNIT:
        return ""
    return m.group(1)


# a level or grade: "mức 1, 2", "cấp độ 3", "loại 1" (a number with a unit after these is a figure)
_YEAR_WORD_BEFORE = re.compile(r"\bnăm\s*$", re.IGNORECASE)
_ORDINAL_BEFORE = re.compile(r"\b(?:mức|cấp|loại|hạng|bậc|giải)\s*$", re.IGNORECASE)


_TIME_AFTER = re.compile(r"^(?::\d\d|h\d\d)")
_CODE = re.compile(r"\d+\.\d{1,2}")


def _skip(sentence: str, m: re.Match[str], end: int) -> str:
    """The role other than a quantity the number has (see the module docstring), or ""."""
    ns, ne = m.start("num"), m.end("num")
    if _is_list_number(sentence, ns):
        return "list_number"
    if _glued(sentence, ns, end):
        return "glued"
    if _footnote_marker(sentence, ns, ne):
        return "footnote"
    before = _NOT_VALUE_BEFORE.search(sentence[max(0, m.start() - 25) : m.start()])
    if before and not (before.group(0).strip().lower().endswith("số") and _unit_after(sentence, end)[0]):
        # "số 12" names something ("Quyết định số 12", "nhà số 12"), but "dân số 4.870 người"
        # and "số 04 hộ" count: a counter after the number makes it a quantity
        return "not_value_before"
    if _DOC_NUMBER_AFTER.match(sentence[ne:]):
        return "doc_number"  # "3390/UBND-TCKH", "17-CT/TU"
    if _TIME_AFTER.match(sentence[ne:]):
        return "time"  # "11:09", "7h30"
    unit = _unit_after(sentence, end)[0]
    if _CODE.fullmatch(m.group("num")) and not unit and not m.group("scale"):
        return "code"  # "Tiêu chí 15.1": a criterion or section number, not "15,1"
    if m.group("frac"):
        den_end = m.end("den")
        if (den_end < len(sentence) and sentence[den_end] in "/-") or _YEAR_RE.fullmatch(m.group("den")):
            return "date"  # a date "27/7/1947", "1/2023" or a document number "128/NQ-CP"
        if _glued(sentence, m.start("den"), den_end):
            return "glued"
        num, den = parse_number(m.group("num")), parse_number(m.group("den"))
        if not unit and den <= 12 and den < num <= 31 and num == int(num):
            return "date"  # "27/7", "Quảng trường 3/2": a day/month, never more done than planned
    elif _YEAR_RE.fullmatch(m.group("num")):
        if m.group("hi") and _YEAR_RE.fullmatch(m.group("hi")):
            return "year"  # "2021-2025"
        if not unit:
            return "year"
    if _YEAR_WORD_BEFORE.search(sentence[max(0, m.start() - 8) : m.start()]) and (
        _YEAR_RE.fullmatch(m.group("num")) or (not unit and parse_number(m.group("num")) <= 10)
    ):
        return "year"  # "năm 2023", "năm 2" — but "cả năm 1.250 ha" is a figure
    if not unit and _ORDINAL_BEFORE.search(sentence[max(0, m.start() - 12) : m.start()]):
        return "ordinal"
    if _NOT_VALUE_AFTER.match(sentence[end:]) and unit not in ("%", "‰"):
        return "not_value_after"
    if not unit and _proper_name_before(sentence, m.start()):
        return "proper_name"
    return ""


def candidates(sentence: str) -> list[Figure]:
    """Every number span of the sentence, with what the grammar says about it
    (``Figure.features``); ``find_figures`` keeps the ones the fitted model calls figures."""
    out: list[Figure] = []
    last_skipped_end = -10
    for m in _FIGURE_RE.finditer(sentence):
        end = m.end()
        rule = _skip(sentence, m, end)
        sym = bool(_SYMBOL_RE.match(sentence, end))
        unit, uend = _unit_after(sentence, end)
        if not rule and _LIST_JOIN.match(sentence[last_skipped_end : m.start()]) and not unit:
            rule = "list_join"  # "đợt 1, 2", "mức độ 3, 4": the list continues the ordinal
        if rule:
            last_skipped_end = end
        value = parse_number(m.group("num"))
        hi = parse_number(m.group("hi")) if m.group("hi") else None
        den = parse_number(m.group("den")) if m.group("den") else None
        if not rule and unit == "" and hi is not None and hi < value:
            rule = "code_range"  # "8-5" style codes
        scale = (m.group("scale") or "").lower()
        if scale:
            value *= _SCALE[scale]
            if m.group("num2"):  # "25 tỷ 941 triệu đồng"
                value += parse_number(m.group("num2")) * _SCALE[m.group("scale2").lower()]
            hi = hi * _SCALE[scale] if hi is not None else None
            if not unit:
                unit = scale
        qual = (m.group("qual") or "").lower()
        start = m.start()
        fallback = False
        if not unit:
            unit = _fallback_unit(sentence, end)
            fallback = bool(unit)
        f = Figure(start, uend, sentence[start:uend].rstrip(), value, hi, unit, den, qual)
        f.features = _features(sentence, m, f, rule, sym, fallback)
        out.append(f)
    _label_lists(sentence, out)
    return out


def _features(
    sentence: str, m: re.Match[str], f: Figure, rule: str, sym: bool, fallback: bool
) -> dict[str, float]:
    raw = m.group("num")
    before = sentence[: m.start()].rstrip()
    after = sentence[f.end :].lstrip()
    feats = {
        "rule": float(bool(rule)),
        f"rule_{rule}": 1.0 if rule else 0.0,
        "unit_symbol": float(sym),
        "unit_counter": float(bool(f.unit) and not sym and not fallback and not m.group("scale")),
        "unit_fallback": float(fallback),
        "unit_scale": float(bool(m.group("scale"))),
        "no_unit": float(not f.unit),
        "thousands": float(bool(re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", raw))),
        "decimal": float("," in raw or bool(_CODE.fullmatch(raw))),
        "leading_zero": float(len(raw) > 1 and raw[0] == "0" and raw[1].isdigit()),
        "small_int": float(f.value == int(f.value) and f.value <= 10 and not m.group("scale")),
        "fraction": float(bool(m.group("frac"))),
        "range": float(bool(m.group("hi"))),
        "qualifier": float(bool(m.group("qual"))),
        "in_parens": float(before.endswith("(")),
        "after_colon": float(before.endswith(":")),
        "sentence_start": float(not before or before in "-–+•*"),
        "sentence_end": float(not after or after in ".;)"),
        "short_sentence": float(len(sentence.split()) < 6),
    }
    return {k: v for k, v in feats.items() if v}


def find_figures(sentence: str, min_score: float | None = None) -> list[Figure]:
    """The figures of a sentence: candidates the fitted model (``figure_model``) scores at or
    above its threshold (``min_score`` overrides it; ``-inf`` keeps every candidate)."""
    from ingest import figure_model

    cands = candidates(sentence)
    threshold = figure_model.threshold() if min_score is None else min_score
    for f in cands:
        f.score = figure_model.score(f.features)
    return _money_denominators(sentence, [f for f in cands if f.score >= threshold])


def _label_lists(sentence: str, figs: list[Figure]) -> None:
    """ "lực lượng xung kích 1, 2", "mức độ 3, 4": consecutive small numbers without a unit are labels."""
    for i in range(len(figs) - 1):
        a, b = figs[i], figs[i + 1]
        if (
            not a.unit
            and not b.unit
            and a.value == int(a.value) <= 10
            and b.value == a.value + 1
            and _LIST_JOIN.match(sentence[a.end : b.start])
        ):
            for f in (a, b):
                f.features["label_list"] = 1.0


def _money_denominators(sentence: str, figs: list[Figure]) -> list[Figure]:
    """ "15.300.000.000đ/5.700.000.000đ": the part after "/" is its own figure (the plan)."""
    out = list(figs)
    for f in figs:
        if f.unit != "đồng" or f.end >= len(sentence):
            continue
        m = re.match(rf"\s*(?:đồng|đ)?/(?P<num>{_NUM})\s*(?P<u>đồng|đ)(?![^\W\d_])", sentence[f.end :])
        if not m:
            continue
        s = f.end + m.start("num")
        e = f.end + m.end()
        if any(g.start <= s < g.end for g in out):
            continue
        out.append(Figure(s, e, sentence[s:e], parse_number(m.group("num")), None, "đồng", None, "/"))
    # the numerator's own unit: "15.300.000.000đ/" — extend its text to include "đ"
    for f in out:
        if f.unit == "đồng" and not f.value_text.lower().endswith(("đ", "đồng")):
            m = re.match(r"(đồng|đ)(?![^\W\d_])", sentence[f.end :])
            if m:
                f.end += m.end()
                f.value_text = sentence[f.start : f.end]
    return sorted(out, key=lambda f: f.start)
