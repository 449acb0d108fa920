"""Letterhead of an administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I).

The first lines of a document carry, in two columns:

    left  — tên cơ quan chủ quản (e.g. "UBND TỈNH BÌNH THUẬN") and tên cơ quan ban hành
            ("SỞ TÀI CHÍNH"), then "Số: 329/BC-UBND";
    right — "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", then
            "<địa danh>, ngày 19 tháng 12 năm 2025";

then tên loại + trích yếu ("BÁO CÁO" / "Tình hình …"). Text extraction merges the two
columns into one line, splits them, or puts the right column first; a number can end up
as "Số: 329" on one line and "/BC-UBND" two lines further. ``parse`` takes the head lines
as extracted (in any of those shapes) and returns the issuer, its level and area, the
number and the date. It never looks past the document title, so a decision cited in the
body ("Quyết định số 12/QĐ-UBND ngày 28/2/2025") or a commune named in the text is never
taken for the letterhead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from baocao.vntext import fold
from ingest.admin_units import canonical_name

_NATION_RE = re.compile(
    r"C\s*[ỘO]\s*N\s*G\s+H\s*(?:OÀ|ÒA|OA)\s+X\s*[ÃA]\s+H\s*[ỘO]\s*I\s+CH\s*[ỦU]\s+NGH\s*[ĨI]\s*A\s+"
    r"VI\s*[ỆE]\s*T\s+NAM",
    re.IGNORECASE,
)
_MOTTO_RE = re.compile(r"Độc\s*lập\s*[-–—]\s*Tự\s*do\s*[-–—]\s*Hạnh\s*phúc", re.IGNORECASE)
# "Số: 329/BC-UBND", "Số 329 /BC-UBND", "Số:    /BC-UBND", "Số: 329" (code on a later line)
_NUMBER_RE = re.compile(r"\bSố\s*:?\s*(\d{1,5}[a-z]?)?\s*(?:/\s*([0-9A-Za-zĐđ][\w\-/.&]*))?", re.UNICODE)
_NATION_F_RE = re.compile(
    r"C[O0]NG\s*H[O0]A\s+X\s*A\s+H[O0]I\s+CH\s*U\s+NGH\s*[I1]A\s+VI\s*E\s*T\s+NAM", re.IGNORECASE
)
_MOTTO_F_RE = re.compile(r"D\wC\s*L\wP\s*[-–—.,:]*\s*T\w\s*D\w\s*[-–—.,:]*\s*H\wNH\s*PH\wC", re.IGNORECASE)
# on folded text: "Số:", OCR's "Só:" / "S6:" all fold to "So"
_NUMBER_F_RE = re.compile(
    r"\b[Ss][Oo06]\s*[:;.]?\s*(\d{1,5}[a-z]?(?=\s*/|\s*$))?\s*(?:/\s*([A-Za-z][\w\-/.&]*))?(?=\s|$|/)"
)
_PLACE_DATE_F_RE = re.compile(
    r"(?P<place>[A-Z][^\s,;:]*(?:\s+[^\s,;:]+){0,5}?)\s*,\s*ngay\s*(?P<d>[^,\n]{0,8}?)\s*"
    r"thang\s*(?P<m>[^,\n]{0,6}?)\s*nam\s*(?P<y>\d{4})",
    re.IGNORECASE,
)
_CODE_RE = re.compile(r"/\s*([A-Za-zĐđ][\w\-/.&]*)")
_PLACE_DATE_RE = re.compile(
    r"(?P<place>[A-ZĐÀ-Ỹ][^\s,;:]*(?:\s+[^\s,;:]+){0,5}?)\s*,\s*ngày\s+(?P<d>\d{1,2}|[. …_]*)\s+"
    r"tháng\s+(?P<m>\d{1,2}|[. …_]*)\s+năm\s+(?P<y>\d{4})",
    re.IGNORECASE,
)
_DOC_TITLES = (
    "BÁO CÁO",
    "KẾ HOẠCH",
    "NGHỊ QUYẾT",
    "TỜ TRÌNH",
    "QUYẾT ĐỊNH",
    "THÔNG BÁO",
    "CHƯƠNG TRÌNH",
    "CÔNG VĂN",
    "ĐỀ ÁN",
    "KẾT LUẬN",
    "CHỈ THỊ",
    "HƯỚNG DẪN",
    "BIÊN BẢN",
    "GIẤY MỜI",
    "PHƯƠNG ÁN",
    "QUY CHẾ",
    "QUY ĐỊNH",
    "ĐỀ CƯƠNG",
)
# Words that start the name of a body (a new letterhead unit).
_BODY_HEADS = (
    "ỦY BAN NHÂN DÂN",
    "UỶ BAN NHÂN DÂN",
    "UBND",
    "HỘI ĐỒNG NHÂN DÂN",
    "HĐND",
    "THƯỜNG TRỰC",
    "SỞ",
    "BAN",
    "PHÒNG",
    "TRUNG TÂM",
    "VĂN PHÒNG",
    "CHI CỤC",
    "CỤC",
    "BỘ",
    "THANH TRA",
    "KHO BẠC",
    "BẢO HIỂM XÃ HỘI",
    "CÔNG AN",
    "BỘ CHỈ HUY",
    "BAN CHỈ HUY",
    "ĐẢNG ỦY",
    "ĐẢNG BỘ",
    "MẶT TRẬN",
    "ỦY BAN MẶT TRẬN",
    "HỘI",
    "ĐOÀN",
    "TRƯỜNG",
    "BỆNH VIỆN",
    "TRẠM",
)
# Bodies that may follow their parent on the same (merged) line: "UBND TỈNH X SỞ Y".
_INLINE_HEADS = {"SỞ", "PHÒNG", "TRUNG", "CHI", "VĂN", "BAN", "THANH", "KHO"}
# Area kinds, longest first; the value is the normalised ``area_level``.
_AREA_KINDS = (
    ("THÀNH PHỐ", "thành phố"),
    ("THỊ TRẤN", "thị trấn"),
    ("THỊ XÃ", "thị xã"),
    ("ĐẶC KHU", "đặc khu"),
    ("PHƯỜNG", "phường"),
    ("HUYỆN", "huyện"),
    ("QUẬN", "quận"),
    ("TỈNH", "tỉnh"),
    ("XÃ", "xã"),
    ("TP.", "thành phố"),
    ("TP", "thành phố"),
)
_AREA_RE = re.compile(
    r"(?<![\wÀ-Ỹà-ỹ])(" + "|".join(re.escape(k) for k, _ in _AREA_KINDS) + r")\s+([^\s].*)$", re.IGNORECASE
)
_GENERIC_HEADS = ("ỦY BAN NHÂN DÂN", "UỶ BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN")
_AREA_F_KINDS = {
    "THANH PHO": "thành phố",
    "THI TRAN": "thị trấn",
    "THI XA": "thị xã",
    "DAC KHU": "đặc khu",
    "PHUONG": "phường",
    "HUYEN": "huyện",
    "TINH": "tỉnh",
}
_AREA_F_RE = re.compile(r"(?<![A-Z])(" + "|".join(_AREA_F_KINDS) + r")\s+([^\s].*)$")
_RULE_RE = re.compile(r"[-–—_=*.·•~]{3,}")
_COMMUNE_LEVELS = ("xã", "phường", "thị trấn", "đặc khu")
_DISTRICT_LEVELS = ("huyện", "quận", "thị xã", "thành phố")
# Centrally governed cities: "THÀNH PHỐ HÀ NỘI" is at province level.
_CENTRAL_CITIES = {"hà nội", "hồ chí minh", "hải phòng", "đà nẵng", "cần thơ", "huế"}


# Names of specialised bodies as Nghị định 30 style writes them (the sở of a province and
# the phòng of a district, before and after 2025): OCR's damaged tone marks ("SỞ Y TẺ",
# "TRUYÈN THÔNG") are put right by matching a name without its tone marks.
_BODY_NAMES = (
    "Tài chính",
    "Xây dựng",
    "Nội vụ",
    "Tư pháp",
    "Y tế",
    "Giáo dục và Đào tạo",
    "Công Thương",
    "Nông nghiệp và Môi trường",
    "Nông nghiệp và Phát triển nông thôn",
    "Tài nguyên và Môi trường",
    "Khoa học và Công nghệ",
    "Văn hóa, Thể thao và Du lịch",
    "Văn hóa và Thể thao",
    "Du lịch",
    "Dân tộc và Tôn giáo",
    "Ngoại vụ",
    "Kế hoạch và Đầu tư",
    "Thông tin và Truyền thông",
    "Lao động - Thương binh và Xã hội",
    "Giao thông vận tải",
    "Tài chính - Kế hoạch",
    "Kinh tế",
    "Kinh tế, Hạ tầng và Đô thị",
    "Quản lý đô thị",
    "Văn hóa - Xã hội",
    "Văn hóa và Thông tin",
)


@dataclass
class Letterhead:
    issuer: str = ""  # the issuing body, "Sở Tài chính" / "Ủy ban nhân dân xã Hàm Tân"
    issuer_parent: str = ""  # the body it belongs to, "Ủy ban nhân dân tỉnh Bình Thuận"
    area_level: str = ""  # xã, phường, thị trấn, đặc khu, huyện, quận, thị xã, thành phố, tỉnh
    area_name: str = ""  # "Hàm Tân", "Bình Thuận"
    doc_number: str = ""  # "329/BC-UBND"; "" when the number is left blank
    number_code: str = ""  # "BC-UBND" (kept even when the number is blank)
    date: str = ""  # ISO date from the "<place>, ngày … tháng … năm …" line
    place: str = ""  # địa danh of that line
    title_index: int | None = None  # index of the document-type line in the lines given


def normalize(text: str) -> str:
    """NFC; combining marks extracted as separate glyphs ("NGHI ̃A") are glued back."""
    text = unicodedata.normalize("NFD", text)
    text = re.sub(r"\s+([\u0300-\u036f])", r"\1", text)
    return unicodedata.normalize("NFC", text).replace("\u00a0", " ")


def sentence_case(name: str) -> str:
    """ "ỦY BAN NHÂN DÂN XÃ HÀM TÂN" → "Ủy ban nhân dân xã Hàm Tân"; "SỞ TÀI CHÍNH" → "Sở Tài chính"."""
    words = name.split()
    if not words:
        return ""
    if not all(w.isupper() or not any(c.isalpha() for c in w) for w in words):
        return " ".join(words)
    head, rest = _split_area(name)
    if head is None:
        return _title_body(words)
    kind, area = rest
    body = _title_body(head.split()) if head else ""
    area_tc = " ".join(w[:1] + w[1:].lower() for w in area.split())
    return " ".join(x for x in (body, kind, area_tc) if x)


_ACRONYMS = {"UBND", "HĐND", "MTTQ", "KT-XH", "CNTT", "TN&MT", "NN&PTNT", "VH-TT", "LĐ-TB&XH", "II", "III"}


def _title_body(words: list[str]) -> str:
    """ "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG" → "Sở Nông nghiệp và Môi trường" (the style of
    Nghị định 30: the kind of body, then its field with each part capitalised)."""
    text = " ".join(words)
    head_len = 0
    for head in sorted(_BODY_HEADS, key=len, reverse=True):
        if text.upper().startswith(head + " ") or text.upper() == head:
            head_len = len(head.split())
            break
    generic = any(text.upper().startswith(h) for h in _GENERIC_HEADS)
    out: list[str] = []
    cap_next = True
    for i, w in enumerate(words):
        if w in _ACRONYMS:
            out.append(w)
            cap_next = False
            continue
        cap = i == 0 or (not generic and (i == head_len or cap_next))
        out.append(w[:1] + w[1:].lower() if cap else w.lower())
        cap_next = i >= head_len and w.lower() in ("và", "-", "–")
    return " ".join(out)


def _split_area(name: str) -> tuple[str | None, tuple[str, str]]:
    """ "ỦY BAN NHÂN DÂN XÃ HÀM TÂN" → ("ỦY BAN NHÂN DÂN", ("xã", "HÀM TÂN")); OCR's "TĨNH",
    "THANH PHO" are read as "TỈNH", "THÀNH PHỐ"."""
    m = _AREA_RE.search(name)
    if m:
        kind = next(v for k, v in _AREA_KINDS if k == m.group(1).upper())
        return name[: m.start()].strip(), (kind, m.group(2).strip())
    fm = _AREA_F_RE.search(_fold(name).upper())
    if not fm:
        return None, ("", "")
    kind = _AREA_F_KINDS[fm.group(1)]
    return name[: fm.start()].strip(), (kind, name[fm.start(2) :].strip())


def title_kind(text: str) -> str:
    """ "BÁO CÁO" → "BÁO CÁO"; OCR's "CHÍ THỊ" → "CHỈ THỊ"; "" when not a document-type line."""
    t = re.sub(r"\s+", " ", text).strip().rstrip(":").strip()
    if not t.isupper():
        return ""
    ft = fold(t)
    for k in _DOC_TITLES:
        fk = fold(k)
        if ft == fk or (ft.startswith(fk + " ") and len(t) < 60):
            return k
    return ""


def is_title_line(text: str) -> bool:
    return bool(title_kind(text))


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) / len(letters) >= 0.8


def _fold(text: str) -> str:
    """Diacritics off, one character for one (positions in the folded text are positions
    in ``text``): OCR and odd fonts lose or change tone marks ("HỌI", "THANH PHO")."""
    return "".join(fold(c)[:1] or c for c in text)


def _cut(text: str, start: int, end: int) -> str:
    return (text[:start] + " " + text[end:]).strip()


# a place-date line cut by a narrow column: "…, ngày 30 tháng 11" + "năm 2023"
_DATE_CUT_F_RE = re.compile(r",\s*ngay\s*[^,]{0,8}?(?:\s*thang\s*[^,]{0,6}?(?:\s*nam)?)?\s*$", re.IGNORECASE)
_DATE_REST_F_RE = re.compile(r"^\s*(?:(?:\d{1,2}\s+)?(?:thang\s*\S{0,6}\s+)?nam\s+)?\d{4}\b", re.IGNORECASE)


# the national title cut by its column: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT" + "NAM"
_NATION_CUT_F_RE = re.compile(r"CH\s*U\s+NGH\s*[I1]A(?:\s+VI\s*E\s*T)?\s*$", re.IGNORECASE)
_NATION_REST_F_RE = re.compile(r"^\s*(?:VI\s*E\s*T\s+)?NAM\s*$", re.IGNORECASE)
_CUTS = ((_DATE_CUT_F_RE, _DATE_REST_F_RE), (_NATION_CUT_F_RE, _NATION_REST_F_RE))


def _join_cut_lines(lines: list[str]) -> list[str]:
    """The lines with a place-date or the national title cut over two lines by a narrow column
    put back on the first (the second left empty, so indices into ``lines`` keep their meaning)."""
    out = list(lines)
    for i in range(len(out) - 1):
        a, b = _fold(out[i]), _fold(out[i + 1])
        if any(cut.search(a) and rest.match(b) for cut, rest in _CUTS):
            out[i], out[i + 1] = f"{out[i].rstrip()} {out[i + 1].strip()}", ""
    return out


def parse(lines: list[str], limit: int = 40) -> Letterhead:
    """Letterhead fields from the first lines of a document (in extraction order)."""
    lines = _join_cut_lines(lines[:limit])
    lh = Letterhead()
    fragments: list[str] = []
    number_pending = False
    evidence = False  # the national motto, a "Số:" or a place-date line: this is a letterhead
    for idx, raw in enumerate(lines[:limit]):
        t = _unglue(re.sub(r"^(?:[^\w/]|_)+", "", re.sub(r"\s+", " ", normalize(raw))).strip())
        if not t:
            continue
        if is_title_line(t):
            lh.title_index = idx
            break
        if _fold(t).startswith(("Kinh gui", "Can cu")):
            lh.title_index = idx
            break
        for rx in (_NATION_F_RE, _MOTTO_F_RE):
            m = rx.search(_fold(t))
            if m:
                t, evidence = _cut(t, m.start(), m.end()), True
        if not lh.number_code:
            m2 = _NUMBER_F_RE.search(_fold(t))
            if m2 and not (m2.group(1) or m2.group(2) or re.search(r"[:;]", m2.group(0))):
                m2 = None  # "SỞ TÀI CHÍNH" folds to "SO" too
            before = t[: m2.start()].split()[-1:] if m2 else []
            if m2 and before and before[0][:1].islower():
                m2 = None  # "… Quyết định số: 12/QĐ-UBND" cites another document
            if m2:
                num, code = (
                    m2.group(1) or "",
                    (t[m2.start(2) : m2.end(2)] if m2.group(2) else "").rstrip(".,;"),
                )
                if code:
                    lh.number_code = code
                    lh.doc_number = f"{num}/{code}" if num else ""
                else:
                    lh.doc_number = num
                    number_pending = True
                t, evidence = _cut(t, m2.start(), m2.end()), True
        if number_pending and not lh.number_code:
            m3 = _CODE_RE.search(t)
            if m3:
                code = m3.group(1).rstrip(".,;")
                lh.number_code = code
                lh.doc_number = f"{lh.doc_number}/{code}" if lh.doc_number else ""
                number_pending = False
                t = _cut(t, m3.start(), m3.end())
        if not lh.place:
            m = _PLACE_DATE_F_RE.search(_fold(t))
            if m:
                lh.place = _clean_place(
                    re.sub(r"^[^\wÀ-ỹ]*\w?[^\wÀ-ỹ]+", "", t[m.start("place") : m.end("place")])
                )
                lh.date = _iso(m.group("d"), m.group("m"), m.group("y"))
                t, evidence = _cut(t, m.start(), m.end()), True
        t = re.sub(r"\s*\S?[—–=_<>~|][—–\-=_.<>~|]{2,}.*$", "", t)  # a rule under the name, and what follows
        t = _RULE_RE.sub(" ", t)
        t = re.sub(r"^[\W_]+|[\W_]+$", "", t).strip()  # OCR specks around a line
        if t and _is_upper(t) and sum(c.isalpha() for c in t) >= 3:
            fragments.append(t)
    if number_pending and not lh.number_code:
        lh.doc_number = ""
    if evidence:
        _assign(lh, [u for u in _units(fragments) if len(u.split()) <= 14])
    return lh


def _unglue(text: str) -> str:
    """ "UBNDTỈNHPHÚTHỌ" (OCR lost the spaces) → "UBND TỈNH PHÚTHỌ"."""
    text = re.sub(r"^(UBND|HĐND)(?=[A-ZĐÀ-Ỹ])", r"\1 ", text)
    words = []
    for w in text.split():
        fw = _fold(w).upper()
        for kind in ("TINH", "HUYEN", "QUAN", "PHUONG", "THANHPHO", "THIXA", "THITRAN"):
            if fw.startswith(kind) and len(fw) >= len(kind) + 3 and w.isupper():
                cut = len(kind)
                w = w[:cut] + " " + w[cut:]
                break
        words.append(w)
    return " ".join(words)


def _clean_place(place: str) -> str:
    words = place.split()
    # a merged line can put the left column before the place: keep the capitalised tail
    while len(words) > 1 and ((words[0].isupper() and len(words[0]) > 1) or not words[0][:1].isupper()):
        words = words[1:]
    return " ".join(words)


def _iso(d: str, m: str, y: str) -> str:
    if not (d.strip().isdigit() and m.strip().isdigit()):
        return ""
    di, mi, yi = int(d), int(m), int(y)
    if 1 <= di <= 31 and 1 <= mi <= 12 and 1945 <= yi <= 2100:
        return f"{yi:04d}-{mi:02d}-{di:02d}"
    return ""


def _starts_with_head(words: list[str]) -> bool:
    up = [w.upper() for w in words]
    return any(up[: len(h.split())] == h.split() for h in _BODY_HEADS)


def _units(fragments: list[str]) -> list[str]:
    """Letterhead lines → bodies: ["UBND TỈNH BÌNH THUẬN", "SỞ TÀI CHÍNH"].

    A body starts on a line that starts with a kind of body ("SỞ", "TRUNG TÂM", …); a line
    that does not ("XÃ HÀM TÂN", "MÔI TRƯỜNG") continues the body above. Inside one line,
    "UBND TỈNH X SỞ Y" (both columns' bodies merged) is split before the second body."""
    units: list[str] = []
    for frag in fragments:
        words = frag.split()
        if not words:
            continue
        prev = units[-1] if units else ""
        incomplete = prev.upper() in _GENERIC_HEADS or prev.endswith(("VÀ", "-", "–", "&"))
        if units and (incomplete or not _starts_with_head(words)):
            units[-1] = f"{prev} {frag}"
        else:
            units.append(frag)
    out: list[str] = []
    for u in units:
        out.extend(_split_merged(u))
    return out


def _split_merged(unit: str) -> list[str]:
    words = unit.split()
    if not _is_generic(words):
        return [unit]
    for i in range(2, len(words)):
        if words[i].upper() in _INLINE_HEADS and _split_area(" ".join(words[:i]))[0] is not None:
            return [" ".join(words[:i]), " ".join(words[i:])]
    return [unit]


def _is_generic(words: list[str]) -> bool:
    text = " ".join(words).upper()
    return text.startswith(("UBND", "HĐND", *_GENERIC_HEADS))


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text).lower())


def _known_body(name: str) -> str:
    """ "Sở Y tẻ" → "Sở Y tế" when the field matches a known body name without tone marks."""
    words = name.split()
    for n in (2, 1):  # "Trung tâm …", "Sở …"
        head, field = " ".join(words[:n]), " ".join(words[n:])
        if not field or not any(head.upper() == h for h in _BODY_HEADS):
            continue
        for known in _BODY_NAMES:
            if _squash(known) == _squash(field):
                return f"{head[:1]}{head[1:].lower()} {known}"
    return ""


def _display(unit: str) -> tuple[str, str, str]:
    """A letterhead body → (its name as displayed, area level, area name); the area name
    spelled as the official lists write it when OCR damaged it."""
    unit = _expand(unit)
    head, (kind, area) = _split_area(unit)
    area = re.sub(r"[^\wÀ-ỹ\s-]", " ", area).strip() if area else ""
    if head is None or not area:
        return _known_body(unit) or sentence_case(unit), "", ""
    name = canonical_name(kind, area) or " ".join(w[:1] + w[1:].lower() for w in area.split())
    body = _title_body(head.split()) if head else ""
    return " ".join(x for x in (body, kind, name) if x), kind, name


def _assign(lh: Letterhead, units: list[str]) -> None:
    if not units:
        return
    issuer = _display(units[-1])
    parent = _display(units[-2]) if len(units) >= 2 else ("", "", "")
    lh.issuer, lh.issuer_parent = issuer[0], parent[0]
    for _, kind, name in (issuer, parent):
        if name:
            lh.area_level, lh.area_name = kind, name
            break


def _expand(unit: str) -> str:
    return re.sub(r"^UBND\b", "ỦY BAN NHÂN DÂN", re.sub(r"^HĐND\b", "HỘI ĐỒNG NHÂN DÂN", unit.strip()))


def is_commune_level(level: str) -> bool:
    return level in _COMMUNE_LEVELS


def is_district_level(level: str) -> bool:
    return level in _DISTRICT_LEVELS
