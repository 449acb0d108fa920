"""Understand a question: which wards and years it names, what kind of answer it wants,
and which words carry its topic."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from baocao.vntext import canonical_tones, fold, has_diacritics, nfc, tokenize

WARD_KINDS = ("thị trấn", "phường", "xã")
_KIND_RE = re.compile(r"\b(thị\s+trấn|thi\s+tran|phường|phuong|xã|xa|p\.)\s+", re.IGNORECASE)
_YEAR_RE = re.compile(r"(?<![\d.,])(19[5-9]\d|20[0-9]\d)(?![\d.,])")

# Words that never belong to a ward name (a name ends where one of these starts).
_NAME_STOP = set(
    [
        "năm",
        "có",
        "thì",
        "sao",
        "đạt",
        "được",
        "bao",
        "nhiêu",
        "là",
        "gì",
        "như",
        "thế",
        "nào",
        "về",
        "của",
        "và",
        "với",
        "so",
        "sánh",
        "hơn",
        "các",
        "những",
        "trong",
        "ước",
        "tổng",
        "thu",
        "chi",
        "tỷ",
        "lệ",
        "số",
        "hộ",
        "nghèo",
        "dân",
        "kế",
        "hoạch",
        "báo",
        "cáo",
        "ra",
        "sao",
        "hiện",
        "nay",
        "đã",
        "sẽ",
        "bao",
        "giờ",
        "mấy",
        "nào",
        "ở",
        "tại",
        "cho",
        "theo",
        "đến",
        "từ",
        "khi",
        "đâu",
        "ai",
        "chỉ",
        "tiêu",
        "nhiệm",
        "vụ",
        "kết",
        "quả",
        "tình",
        "hình",
        "công",
        "tác",
        "thực",
        "hiện",
        "ngân",
        "sách",
        "hai",
        "cả",
        "còn",
        "giữa",
        "hay",
        "hoặc",
    ]
)
_NAME_STOP_FOLD = {fold(w) for w in _NAME_STOP}

# Function words of questions: single syllables, and phrases removed as a whole
# ("bao nhiêu", "ủy ban nhân dân") so that their syllables stay content elsewhere
# ("dân số", "số hộ").
STOPWORDS = set(
    [
        "là",
        "gì",
        "của",
        "và",
        "các",
        "những",
        "được",
        "có",
        "không",
        "như",
        "nào",
        "đó",
        "này",
        "ấy",
        "với",
        "cho",
        "về",
        "theo",
        "tại",
        "ở",
        "đã",
        "sẽ",
        "đang",
        "mấy",
        "ai",
        "đâu",
        "khi",
        "hãy",
        "tôi",
        "muốn",
        "hỏi",
        "xin",
        "phường",
        "xã",
        "còn",
        "thế",
        "vậy",
        "a",
        "ạ",
        "nhé",
        "à",
        "ư",
        "hả",
        "gồm",
        "cái",
        "việc",
        "đạt",
        "ước",
        "khoảng",
        "hơn",
        "cả",
        "giữa",
        "bằng",
        "mức",
        "hay",
        "hoặc",
        "thì",
        "trong",
        "năm",
    ]
)
STOP_PHRASES = (
    "bao nhiêu",
    "như thế nào",
    "ra sao",
    "thì sao",
    "bao giờ",
    "cho biết",
    "thị trấn",
    "ủy ban nhân dân",
    "uỷ ban nhân dân",
    "ubnd",
    "so sánh",
    "số lượng",
    "ước tính",
    "năm nay",
    "hiện nay",
    "là gì",
    "những gì",
    "hai phường",
    "hai xã",
    "các phường",
    "phường nào",
    "xã nào",
    "được bao nhiêu",
)
_STOP_KEYS = {canonical_tones(w) for w in STOPWORDS}
_STOP_FOLD = {fold(w) for w in STOPWORDS}
_PHRASE_RES = [
    re.compile(r"(?<!\w)" + r"\s+".join(re.escape(fold(w)) for w in p.split()) + r"(?!\w)")
    for p in STOP_PHRASES
]


def _phrase_spans(question: str) -> set[int]:
    """Token positions covered by stop phrases (matched without diacritics)."""
    toks = tokenize(question)
    folded = " ".join(fold(t) for t in toks)
    starts = [0]
    for t in toks[:-1]:
        starts.append(starts[-1] + len(fold(t)) + 1)
    covered: set[int] = set()
    for m in [m for rx in _PHRASE_RES for m in rx.finditer(folded)] + _relative_year_matches(folded):
        covered.update(i for i, st in enumerate(starts) if m.start() <= st < m.end())
    return covered


NUMBER_CUES = ("bao nhiêu", "mấy", "tỷ lệ", "tỉ lệ", "bao nhiều", "số lượng", "tổng số", "mức", "con số")
LIST_CUES = (
    "những",
    "liệt kê",
    "gồm",
    "các nhiệm vụ",
    "các giải pháp",
    "các chỉ tiêu",
    "nhiệm vụ gì",
    "những gì",
    "kể tên",
    "các công trình",
    "các dự án",
    "giải pháp",
    "nhiệm vụ",
)
SUMMARY_CUES = ("tóm tắt", "tóm lược", "tổng quan", "khái quát", "điểm qua", "nêu tóm tắt", "tổng hợp")
COMPARE_CUES = (
    "so sánh",
    "so với phường",
    "hai phường",
    "hai xã",
    "các phường",
    "phường nào",
    "xã nào",
    "nơi nào",
    "bên nào",
    "cao hơn",
    "thấp hơn",
    "nhiều hơn",
    "ít hơn",
    "chênh lệch",
)
FOLLOWUP_CUES = ("còn ", "thế còn", "thì sao", "vậy còn", "còn về", "thế thì", "còn đối với", "thế ")


def _fold_low(text: str) -> str:
    return fold(nfc(text)).lower()


def contains_cue(question: str, cues: Iterable[str]) -> bool:
    f = " " + re.sub(r"\s+", " ", re.sub(r"[^\w\s%-]", " ", _fold_low(question))) + " "
    return any(" " + fold(c).strip().lower() + " " in f for c in cues)


@dataclass
class QueryInfo:
    question: str
    wards: list[str] = field(default_factory=list)  # known wards named (canonical names)
    unknown_wards: list[str] = field(default_factory=list)  # wards named that the index lacks
    years: list[int] = field(default_factory=list)
    relative_years: list[int] = field(default_factory=list)  # 0 "năm nay", +1 "năm sau" (of the report)
    wants_number: bool = False
    wants_list: bool = False
    wants_percent: bool = False
    is_comparison: bool = False
    content_tokens: list[str] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    context_tokens: list[str] = field(default_factory=list)  # carried from earlier turns, weigh less
    names: list[str] = field(default_factory=list)  # proper names the answer must mention
    wants_summary: bool = False  # "tóm tắt phần giáo dục": the items of a whole section


def find_wards(question: str, known: Iterable[str]) -> tuple[list[str], list[str]]:
    """Known ward names in the question (with or without diacritics), and named unknown ones."""
    fq = " " + re.sub(r"[^\w\s]", " ", _fold_low(question)) + " "
    fq = re.sub(r"\s+", " ", fq)
    found: list[str] = []
    for w in sorted(known, key=len, reverse=True):
        fw = " " + re.sub(r"\s+", " ", _fold_low(w)) + " "
        if fw in fq and w not in found:
            found.append(w)
            fq = fq.replace(fw, " ")
    unknown: list[str] = []
    for m in _KIND_RE.finditer(question):
        rest = question[m.end() :]
        words = re.findall(r"[\w]+", rest)[:4]
        name: list[str] = []
        for j, wd in enumerate(words):
            low = canonical_tones(wd).lower()
            if wd.isdigit() or low in _NAME_STOP or (wd.islower() and has_diacritics(wd)):
                break  # a careful typist capitalises names: "hai phường khác nhau" names no ward
            if low == fold(low) and low in _NAME_STOP_FOLD:
                # unaccented: "dinh ke nam 2023" — "ke" may be part of the name ("Đình Kế")
                nxt = words[j + 1].lower() if j + 1 < len(words) else ""
                if not (len(name) == 1 and (not nxt or nxt.isdigit() or nxt in _NAME_STOP_FOLD)):
                    break
            # proper names are capitalised when typed with care; unaccented lower-case also allowed
            name.append(wd)
        if not name:
            continue
        cand = " ".join(name)
        cf = _fold_low(cand)
        if any(cf.startswith(_fold_low(k)) or _fold_low(k).startswith(cf) for k in known):
            continue
        if name[0][:1].isupper() or len(name) >= 2 or len(name[0]) >= 4:
            unknown.append(" ".join(w[:1].upper() + w[1:] for w in name))
    return found, list(dict.fromkeys(unknown))


def ward_initials(name: str) -> str:
    """The initials a ward's name is shortened to in haste: "Xương Giang" -> "XG", "Đình Kế" ->
    "ĐK" ("" for a one-word name: its initial is no name)."""
    words = re.findall(r"\w+", nfc(name))
    return "".join(w[0].upper() for w in words) if len(words) >= 2 else ""


_VOWELS = set("aeiouy")
# initials in a document number ("15/NQ-HĐND", "NQ số 12") are not a ward
_DOC_NUMBER_AFTER = re.compile(r"\s*(?:số\b|so\b|\d)", re.IGNORECASE)


def spell_out_ward_initials(text: str, known: Iterable[str]) -> str:
    """``text`` with the initials of a known ward's name written out ("XG năm nay thu bao
    nhiêu?" -> "Xương Giang năm nay thu bao nhiêu?"), so everything downstream (ward filter,
    follow-ups, comparisons) reads the ward. The initials are derived from the index's ward
    names, never listed: they count when they stand alone as a word in capitals ("XG", "Đk" is
    not), or in lower case in a question typed without diacritics when they hold no vowel (so
    no syllable is read as a ward: "xg", "nq"); not when two known wards share them; not inside
    a document number ("15/NQ-HĐND", "NQ số 12"). Initials that are also a common abbreviation
    ("NQ" = nghị quyết) are read as the ward when they stand alone: in a question about these
    reports a bare "NQ" names the ward far more often than a resolution."""
    by_initials: dict[str, list[str]] = {}
    for w in known:
        ini = ward_initials(w)
        if ini:
            by_initials.setdefault(fold(ini).upper(), []).append(w)
    if not by_initials:
        return text
    sloppy = not has_diacritics(text)
    out = text
    for m in reversed(list(re.finditer(r"(?<![\w/-])\w{2,4}(?![\w/-])", text))):
        tok = m.group(0)
        key = fold(tok).upper()
        names = by_initials.get(key)
        if not names or len(names) != 1:
            continue
        if not (tok.isupper() or (sloppy and tok.islower() and not _VOWELS & set(key.lower()))):
            continue
        if _DOC_NUMBER_AFTER.match(text, m.end()):
            continue
        name = fold(names[0]).lower() if sloppy else names[0]  # an unaccented question stays unaccented
        out = out[: m.start()] + name + out[m.end() :]
    return out


def mask_wards(question: str, wards: Iterable[str]) -> str:
    """``question`` with the named wards' words blanked, so that a ward called "Máy Chai"
    ("may" = "mấy"), "Hòa Bình" or "Lê Lợi" is never read as question words (cues, units).

    Matching is by whole words, case- and diacritic-insensitive, like :func:`find_wards`."""
    words = list(re.finditer(r"\w+", question))
    folded = [_fold_low(m.group(0)) for m in words]
    spans: list[tuple[int, int]] = []
    for w in wards:
        target = [_fold_low(t) for t in re.findall(r"\w+", w)]
        n = len(target)
        if not n:
            continue
        for i in range(len(words) - n + 1):
            if folded[i : i + n] == target:
                spans.append((words[i].start(), words[i + n - 1].end()))
    out = question
    for start, end in sorted(spans, reverse=True):
        out = out[:start] + " " * (end - start) + out[end:]
    return out


def find_years(question: str) -> list[int]:
    return sorted({int(y) for y in _YEAR_RE.findall(question)})


# "năm nay" is the report's own year and "năm sau/năm tới" the year its plan is for: a question
# typed without a year means the report's years, not the calendar's. "năm ngoái/năm trước" is
# left out: seen from the report it is the year before, seen from today it is the report's own
# year, and both readings are common; it is also mostly a baseline ("so với năm trước").
# year words relative to a year ("năm nay", "năm sau", "năm trước"): the one table of them, read here
# for standalone questions and by ``assistant.slots`` for follow-ups
YEAR_SHIFT = {
    "nay": 0, "sau": 1, "tới": 1, "kế tiếp": 1, "tiếp theo": 1, "trước": -1, "ngoái": -1, "liền trước": -1,
}  # fmt: skip
_RELATIVE_OFFSET = {fold(k): v for k, v in YEAR_SHIFT.items() if v >= 0}
_RELATIVE_YEAR_RE = re.compile(
    r"(?<![\w])nam\s+(" + "|".join(k.replace(" ", r"\s+") for k in _RELATIVE_OFFSET) + r")(?![\w])"
    r"(?!\s+(?:gio|nay|bay\s+gio|thoi\s+diem|hien\s+tai))"  # "từ đầu năm tới nay": up to now
)
_PLURAL_BEFORE_RE = re.compile(r"(?:nhung|cac|may|nhieu|vai)\s+$")  # "những năm tới": no one year


def _relative_year_matches(low: str) -> list[re.Match[str]]:
    """Matches of "năm nay/sau/tới…" in folded lower-case text; not "những năm tới", "năm tới nay"."""
    return [m for m in _RELATIVE_YEAR_RE.finditer(low) if not _PLURAL_BEFORE_RE.search(low[: m.start()])]


def relative_years(question: str) -> list[int]:
    """Offsets from the report's year that the question names without a number: 0 for
    "năm nay", +1 for "năm sau"/"năm tới"/"năm kế tiếp" (its plan year). Like a year, the
    phrase is a slot: its words are not topic words ("tới", "sau")."""
    low = re.sub(r"\s+", " ", _fold_low(question))
    return sorted({_RELATIVE_OFFSET[re.sub(r"\s+", " ", m.group(1))] for m in _relative_year_matches(low)})


_ISSUE_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def report_year(date: str, years: Iterable[int]) -> int | None:
    """The year a document speaks from, which "năm nay"/"năm sau" are counted from: the year of
    its date of issue ("2023-11-30", "30/11/2023"), else the first year it covers ("Báo cáo …
    năm 2023, phương hướng … năm 2024" -> 2023); None when it gives neither."""
    issued = _ISSUE_YEAR_RE.search(date)
    if issued:
        return int(issued.group(1))
    covered = [y for y in years if y]
    return min(covered) if covered else None


def content_tokens(question: str, drop: Iterable[str] = ()) -> list[str]:
    """Topic tokens: syllables and numbers minus stopwords, ward names and years."""
    return [t for _, t in content_positions(question, drop)]


def content_positions(question: str, drop: Iterable[str] = ()) -> list[tuple[int, str]]:
    """Like ``content_tokens`` with each token's position in the question's token list."""
    dropped = {fold(t) for d in drop for t in tokenize(d)}
    in_phrase = _phrase_spans(question)
    out: list[tuple[int, str]] = []
    for i, t in enumerate(tokenize(question)):
        if i in in_phrase or t in _STOP_KEYS or (t.isdigit() and len(t) == 4):
            continue
        ft = fold(t)
        if ft in dropped or (ft in _STOP_FOLD and t == ft):
            continue
        out.append((i, t))
    return out


def proper_names(question: str, known_wards: Iterable[str]) -> list[str]:
    """Runs of two or more capitalised syllables ("Bình Minh", "Ngô Sỹ Liên"), not wards.

    The question's first word is capitalised anyway, so it never counts."""
    words = re.findall(r"\w+", nfc(question))
    known = {fold(k).lower() for k in known_wards}
    out: list[str] = []
    run: list[str] = []
    for i, w in enumerate([*words, ""]):
        if i > 0 and len(w) > 1 and w[0].isupper() and w[1:].islower():
            run.append(w)
            continue
        if len(run) >= 2:
            name = " ".join(run)
            if fold(name).lower() not in known and not any(
                fold(name).lower() in k or k in fold(name).lower() for k in known
            ):
                out.append(name)
        run = []
    return out


def analyse(question: str, known_wards: Iterable[str]) -> QueryInfo:
    known = list(known_wards)
    wards, unknown = find_wards(question, known)
    info = QueryInfo(question=question, wards=wards, unknown_wards=unknown, years=find_years(question))
    info.relative_years = relative_years(question)
    cues = mask_wards(question, wards)  # the wards' own words are names, not cues
    info.wants_number = contains_cue(cues, NUMBER_CUES)
    info.wants_percent = contains_cue(cues, ("tỷ lệ", "tỉ lệ", "phần trăm", "%"))
    info.wants_list = contains_cue(cues, LIST_CUES) and not info.wants_number
    info.wants_summary = contains_cue(cues, SUMMARY_CUES) and not info.wants_number
    if len(wards) >= 2:
        info.is_comparison = True
    # "which ward" asks across wards only when the question does not name one: "ở Xương Giang,
    # lãnh đạo thắp hương ở những nơi nào?" asks about places within the ward it names
    multi = len(wards) >= 2 or (
        len(wards) != 1
        and contains_cue(
            cues, ("hai phường", "hai xã", "các phường", "phường nào", "xã nào", "nơi nào", "bên nào")
        )
    )
    info.is_comparison = (
        info.is_comparison
        or (multi and contains_cue(cues, COMPARE_CUES))
        or (contains_cue(cues, ("so sánh",)) and len(wards) != 1)
    )
    info.names = proper_names(question, known)
    pos = content_positions(question, drop=wards + unknown)
    info.content_tokens = [t for _, t in pos]
    info.positions = [i for i, _ in pos]
    return info
