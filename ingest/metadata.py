"""Document metadata: ward, document type/number/date, title, signer, years covered."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from baocao.vntext import fold
from ingest import letterhead
from ingest.admin_units import split_kind
from ingest.rawdoc import Block, Section
from ingest.structure import LETTER, PART, ROMAN

DOC_TYPES = {
    "BÁO CÁO": "Báo cáo",
    "KẾ HOẠCH": "Kế hoạch",
    "NGHỊ QUYẾT": "Nghị quyết",
    "TỜ TRÌNH": "Tờ trình",
    "QUYẾT ĐỊNH": "Quyết định",
    "THÔNG BÁO": "Thông báo",
    "CHƯƠNG TRÌNH": "Chương trình",
    "CÔNG VĂN": "Công văn",
    "ĐỀ ÁN": "Đề án",
    "KẾT LUẬN": "Kết luận",
    "CHỈ THỊ": "Chỉ thị",
}
_CODE_TYPES = {
    "BC": "Báo cáo",
    "KH": "Kế hoạch",
    "NQ": "Nghị quyết",
    "TTR": "Tờ trình",
    "QĐ": "Quyết định",
    "TB": "Thông báo",
    "CTR": "Chương trình",
    "ĐA": "Đề án",
    "KL": "Kết luận",
    "CT": "Chỉ thị",
}
_KINDS = {"phường": "phường", "xã": "xã", "thị trấn": "thị trấn"}
_KIND_ABBR = {"p": "phường", "x": "xã", "tt": "thị trấn"}
_KIND_FOLDED = {"phuong": "phường", "xa": "xã", "thi tran": "thị trấn"}

_NUMBER_RE = re.compile(r"^Số\s*:?\s*(\d*)\s*/\s*([0-9A-Za-zĐđ][\w\-/.]*)")
_DATE_RE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_DATE_NUM_RE = re.compile(r"ngày\s+(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})", re.IGNORECASE)
_PLACE_RE = re.compile(
    r"^(?:(P|X|TT)\.\s*|(Phường|Xã|Thị trấn|phường|xã|thị trấn|PHƯỜNG|XÃ|THỊ TRẤN)\s+)([^,]{1,40}),\s*ngày"
)
_LETTERHEAD_WARD_RE = re.compile(
    r"^(?:(?:UBND|[ỦU][ỶY] BAN NHÂN DÂN|HĐND|HỘI ĐỒNG NHÂN DÂN)\s+)?(PHƯỜNG|XÃ|THỊ TRẤN)\s+(\S.{1,40})$"
)
_KIND_WORD_RE = re.compile(
    r"(?<![\wÀ-ỹ])(phường|xã|thị trấn|Phường|Xã|Thị trấn|PHƯỜNG|XÃ|THỊ TRẤN)\s+(\S[^\n]{0,60})"
)
_AGENCY_RE = re.compile(r"(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)\s*$")
_YEAR_RE = re.compile(r"(?<![\d/\-–.,])((?:19[5-9]|20\d)\d)(?![\d/\-–]|\s*[-–]\s*\d{4})")
_NAMED_YEAR_RE = re.compile(r"(?:năm|NĂM)\s+((?:19[5-9]|20\d)\d)(?![\d/\-–])")
_SIGN_ROLE_RE = re.compile(
    r"CHỦ\s+TỊCH|TRƯỞNG\s+BAN|BÍ\s+THƯ|GIÁM\s+ĐỐC|TRƯỞNG\s+PHÒNG|CHÁNH\s+VĂN\s+PHÒNG|CHI\s+CỤC\s+TRƯỞNG"
    r"|CỤC\s+TRƯỞNG|CHÁNH\s+THANH\s+TRA|THỦ\s+TRƯỞNG"
)
# the role at the end of a line that extraction merged with the "Nơi nhận" column
_ROLE_TAIL_RE = re.compile(
    r"(?:^|[\s;:.])((?:(?:TM|KT|TL|Q|TUQ)\.\s*)?(?:PHÓ\s+)?(?:" + _SIGN_ROLE_RE.pattern + r")[A-ZĐÀ-Ỹ\s]*)$"
)


@dataclass
class Meta:
    ward: str = ""
    ward_kind: str = ""
    doc_type: str = "Báo cáo"
    doc_number: str = ""
    date: str = ""
    title: str = ""
    signer: str = ""
    years: list[int] = field(default_factory=list)
    ward_candidates: list[str] = field(default_factory=list)
    issuer: str = ""
    issuer_parent: str = ""
    area_level: str = ""


def title_case(name: str) -> str:
    """ "NGÔ QUYỀN" → "Ngô Quyền"; already mixed-case names are kept."""
    words = name.split()
    if all(w.isupper() or not any(c.isalpha() for c in w) for w in words) or all(w.islower() for w in words):
        return " ".join(w[:1].upper() + w[1:].lower() for w in words)
    return " ".join(w[:1].upper() + w[1:] for w in words)


def _name_after(text: str, allow_upper: bool) -> str:
    """Capitalised syllables (or a number) right after a ward kind word."""
    out: list[str] = []
    for raw in text.split():
        w = raw.strip("“”\"'()")
        stop = raw != raw.rstrip(',.;:!?)”"') or w != raw.strip(",.;:!?")
        w = w.strip(",.;:!?")
        if not w:
            break
        if w.isdigit() and not out:
            out.append(w)
            break
        if not (w[0].isupper() and (allow_upper or not w.isupper() or len(w) == 1)):
            break
        if "-" in w or "/" in w:
            break
        out.append(w)
        if stop or len(out) >= 4:
            break
    return " ".join(out)


def find_ward(blocks: list[Block]) -> tuple[str, str, list[str]]:
    """(kind, name, all candidate names) — ("", "", []) when nothing is found."""
    votes: Counter[tuple[str, str]] = Counter()
    for idx, b in enumerate(blocks):
        t = b.text.strip()
        if idx < 25:
            m = _LETTERHEAD_WARD_RE.match(t)
            if m and b.meta:
                votes[(_KINDS[m.group(1).lower()], title_case(m.group(2).strip()))] += 5
            m2 = _PLACE_RE.match(t)
            if m2:
                kind = _KIND_ABBR[m2.group(1).lower()] if m2.group(1) else _KINDS[m2.group(2).lower()]
                votes[(kind, title_case(m2.group(3).strip()))] += 5
        if b.meta:
            continue
        for m3 in _KIND_WORD_RE.finditer(t):
            kind_word = m3.group(1)
            if kind_word.isupper() and len(kind_word) > 2:
                continue  # "KINH TẾ - XÃ HỘI" headings
            name = _name_after(m3.group(2), allow_upper=False)
            if not name or fold(name).lower() in ("hoi",):
                continue
            weight = 2 if _AGENCY_RE.search(t[: m3.start()]) else 1
            votes[(_KINDS[kind_word.lower()], title_case(name))] += weight
    if not votes:
        return "", "", []
    (kind, name), _ = votes.most_common(1)[0]
    return kind, name, [n for (_, n), _ in votes.most_common()]


def parse_ward_override(value: str, candidates: list[str], default_kind: str) -> tuple[str, str]:
    """ "xã Đức Giang", "Hội Phú", "phuong Xuong Giang", "P. Ngô Quyền", "tỉnh Gia Lai",
    "thị xã Bỉm Sơn" → (kind, name)."""
    s = re.sub(r"\s+", " ", value).strip()
    kind, s = split_kind(s)
    name = title_case(s)
    for cand in candidates:  # restore diacritics from the document when the user typed none
        if fold(cand).lower() == fold(name).lower():
            name = cand
            break
    return kind or default_kind or "phường", name


def extract(
    blocks: list[Block], sections: list[Section], end: list[Block], head_lines: list[str] | None = None
) -> Meta:
    """Metadata of a document; ``head_lines``: its first lines as extracted (letterhead)."""
    meta = Meta()
    head = blocks[:30]
    lh = letterhead.parse(head_lines if head_lines is not None else [b.text for b in head])
    meta.issuer, meta.issuer_parent, meta.area_level = lh.issuer, lh.issuer_parent, lh.area_level
    meta.doc_number, meta.date = lh.doc_number, lh.date
    if not lh.number_code:
        for b in head:
            m = _NUMBER_RE.match(b.text.strip())
            if m:
                meta.doc_number = f"{m.group(1)}/{m.group(2)}" if m.group(1) else ""
                break
    if not meta.date and not lh.place:  # no "<place>, ngày … tháng … năm …" line in the letterhead
        for b in head:
            m = _DATE_RE.search(b.text) or _DATE_NUM_RE.search(b.text)
            if m and (b.meta or _PLACE_RE.match(b.text.strip())):
                d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
                if 1 <= d <= 31 and 1 <= mo <= 12:
                    meta.date = f"{y:04d}-{mo:02d}-{d:02d}"
                    break
    type_idx = None
    for i, b in enumerate(head):
        key = re.sub(r"\s+", " ", b.text).strip().rstrip(":").upper()
        if (
            key not in DOC_TYPES
            and letterhead.title_kind(b.text) == key[: len(letterhead.title_kind(b.text))]
        ):
            key = letterhead.title_kind(b.text) if fold(key) == fold(letterhead.title_kind(b.text)) else key
        if key in DOC_TYPES and b.text.strip().isupper():
            meta.doc_type = DOC_TYPES[key]
            type_idx = i
            break
    code_full = lh.number_code or (meta.doc_number.split("/", 1)[1] if "/" in meta.doc_number else "")
    if type_idx is None and code_full:
        code = code_full.split("-", 1)[0].upper()
        # Nghị định 30: a công văn's number carries no type ("Số: 12/UBND-VP")
        meta.doc_type = _CODE_TYPES.get(code, "Công văn")
    meta.title = _title(head, type_idx, meta.doc_type)
    meta.signer = _signer(end or blocks[-12:])
    meta.years = _years(meta.title, sections, meta.date)
    meta.ward_kind, meta.ward, meta.ward_candidates = find_ward(blocks)
    if lh.area_name:  # the letterhead names the area: a name in the body never overrides it
        meta.ward_kind, meta.ward = lh.area_level, lh.area_name
        if lh.area_name not in meta.ward_candidates:
            meta.ward_candidates.insert(0, lh.area_name)
    return meta


def _title(head: list[Block], type_idx: int | None, doc_type: str) -> str:
    if type_idx is None:
        return ""
    parts: list[str] = []
    first_bold = False
    for b in head[type_idx + 1 : type_idx + 4]:
        t = b.text.strip()
        if (
            b.meta
            or not t
            or t.startswith(("(", "Căn cứ", "Kính gửi", "Phần", "PHẦN"))
            or re.match(r"^[IVX]+\.|^[A-Z]\.\s", t)
            or len(t) > 250
        ):
            break
        if parts and not (b.bold and first_bold):
            break
        if parts and t.isupper() and not parts[-1].isupper():
            break  # "CHỦ TỊCH UBND THỊ TRẤN …" (the authority of a decision)
        parts.append(t)
        first_bold = b.bold
    text = " ".join(parts)
    text = re.sub(r"\s*\([^()]*\)\s*$", "", text).strip()  # "(Trình tại kỳ họp …)"
    if not text.isupper():  # "… Thống kê CHỦ TỊCH UBND THỊ TRẤN NGÃI GIAO" (joined authority line)
        words = text.split()
        n = 0
        while n < len(words) and words[-1 - n].isupper() and len(words[-1 - n]) > 1:
            n += 1
        if n >= 3:
            text = " ".join(words[:-n])
    return f"{doc_type} {text}".strip() if text else doc_type


def _is_role_line(t: str) -> bool:
    """A line of the signature block naming the signer's role: "CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN"."""
    return bool(_SIGN_ROLE_RE.search(t) and t.isupper()) or t.upper().startswith(("TM.", "KT.", "T/M", "Q."))


_RECIPIENTS_RE = re.compile(r"^Nơi\s+nhận\s*:?\s*", re.IGNORECASE)
_ITEM_START = ("-", "+", "•", "–")


def recipient_lines(tail: list[Block]) -> list[str]:
    """The "Nơi nhận" list of the end matter, one recipient per line ("- UBND thành phố (b/c);"),
    without the signature block a two-column layout put beside it."""
    start = next((i for i, b in enumerate(tail) if _RECIPIENTS_RE.match(b.text.strip())), None)
    if start is None:
        return []
    first = _RECIPIENTS_RE.sub("", tail[start].text.strip())
    items: list[str] = []
    for t in [first, *(b.text.strip() for b in tail[start + 1 :])]:
        if not t:
            continue
        if _is_role_line(t):
            break
        role = _ROLE_TAIL_RE.search(t) if not t.isupper() else None
        if role:
            t = t[: role.start(1)].strip()
        if items and not t.startswith(_ITEM_START):
            items[-1] = f"{items[-1]} {t}"  # "- Lãnh đạo UBND thành phố" + "(để B/c);"
        else:
            items.append(t)
        if role:
            break
    return ["Nơi nhận:", *items] if items else []


def signature_lines(tail: list[Block], signer: str) -> list[str]:
    """The signature block as the report writes it: "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", name."""
    if not signer:
        return []
    lines: list[str] = []
    for b in tail:
        t = b.text.strip()
        tail_role = _ROLE_TAIL_RE.search(t) if t and not t.isupper() else None
        if t and _is_role_line(t):
            lines.append(t)
        elif tail_role:
            lines.append(tail_role.group(1).strip())
        elif t == signer or _person_name(t) == signer:
            lines.append(signer)
            break
    return lines if lines and lines[-1] == signer else []


def _signer(tail: list[Block]) -> str:
    """The signer's name: the person's name after the last role line ("CHỦ TỊCH",
    "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"), also when extraction put the role at the end of a
    "Nơi nhận" line, and with syllables split by the PDF ("Nguyễn Xu ân Quang") glued."""
    role_at = None
    for i, b in enumerate(tail):
        t = b.text.strip()
        if (_SIGN_ROLE_RE.search(t) and t.isupper()) or _ROLE_TAIL_RE.search(t):
            role_at = i
    if role_at is None:
        return ""
    for b in tail[role_at + 1 :]:
        t = b.text.strip()
        if t.startswith(("-", "+", "•", "(")) or t.endswith((";", ":")):
            continue  # the recipients list, "(Đã ký)"
        name = _person_name(t)
        if name:
            return name
    return ""


def _person_name(text: str) -> str:
    words = text.split()
    glued: list[str] = []
    for w in words:  # "Xu ân" → "Xuân"
        if glued and w[:1].islower() and w.isalpha() and len(w) <= 4 and glued[-1][:1].isupper():
            glued[-1] += w
        else:
            glued.append(w)
    if (
        2 <= len(glued) <= 5
        and all(w[:1].isupper() and not w.isupper() and w.replace("-", "").isalpha() for w in glued)
        and not any(c.isdigit() for c in text)
    ):
        return " ".join(glued)
    return ""


_NAMED_YEAR_ANY_CASE_RE = re.compile(_NAMED_YEAR_RE.pattern, re.IGNORECASE)
_BASELINE_BEFORE_RE = re.compile(r"(?:so\s+với|cùng\s+kỳ|từ)\s+$", re.IGNORECASE)


def body_years(texts: Iterable[str]) -> list[int]:
    """The years a text with no title, year headings or date speaks of (a report's text published
    on a web page: "Năm 2023, … Tổng thu ngân sách …; nhiệm vụ năm 2024"): the year it names most
    ("năm 2023"; not a baseline "so với năm 2022"), the earliest on ties, and the next year when the
    text names that too (the plan part). A guess from the wording, so it is not the document's
    ``years`` (which filter and refuse); figures take their year from it when nothing else gives one."""
    counts: Counter[int] = Counter()
    for text in texts:
        for m in _NAMED_YEAR_ANY_CASE_RE.finditer(text):
            if not _BASELINE_BEFORE_RE.search(text[max(0, m.start() - 12) : m.start()]):
                counts[int(m.group(1))] += 1
    if not counts:
        return []
    own = min(counts, key=lambda y: (-counts[y], y))
    return [own, own + 1] if own + 1 in counts else [own]


def _years(title: str, sections: list[Section], date: str) -> list[int]:
    texts = [title]
    top = [s.heading for s in sections if s.rank == PART]
    if not top:
        top = [s.heading for s in sections if s.rank in (LETTER, ROMAN)]
    texts.extend(top)
    years: set[int] = set()
    for t in texts:
        years.update(int(y) for y in _NAMED_YEAR_RE.findall(t))
    if not years:
        for t in texts:
            years.update(int(y) for y in _YEAR_RE.findall(t))
    if not years and date:
        years.add(int(date[:4]))
    return sorted(years)
