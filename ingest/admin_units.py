"""The 2025 reorganisation of administrative units: old names ↔ new names.

Since 1/7/2025 provinces were merged (63 → 34), districts abolished and communes merged;
reports written before name units that no longer exist. The mapping comes from the
maintained ``vietnamadminunits`` data (MIT, see ``data/ADMIN_UNITS_LICENSE.txt``;
regenerate with ``python -m ingest.admin_units_build``).

    resolve_area("phường Bắc Giang")  → ["Bắc Giang", "Dĩnh Kế", "Dĩnh Trì", …, "Xương Giang"]
    resolve_area("Xương Giang")       → ["Xương Giang", "Bắc Giang"]
    now_part_of("Xương Giang", kind="phường")
        → "phường Xương Giang (cũ), nay thuộc phường Bắc Giang, tỉnh Bắc Ninh"

Names are matched without regard to case or tone marks; "phường"/"xã"/"P."/"tỉnh" before a
name restricts the match to that kind; ``province`` (old or new) narrows homonyms.
"""

from __future__ import annotations

import functools
import gzip
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from baocao.vntext import fold

DATA = Path(__file__).parent / "data" / "admin_units_2025.tsv.gz"

_KIND_PREFIXES = (
    ("thanh pho ", "thành phố"),
    ("thi tran ", "thị trấn"),
    ("thi xa ", "thị xã"),
    ("dac khu ", "đặc khu"),
    ("phuong ", "phường"),
    ("tinh ", "tỉnh"),
    ("xa ", "xã"),
    ("tp. ", "thành phố"),
    ("tp ", "thành phố"),
    ("tt. ", "thị trấn"),
    ("p. ", "phường"),
    ("x. ", "xã"),
)
_PROVINCE_KINDS = ("tỉnh", "thành phố")


@dataclass(frozen=True)
class Link:
    """One old unit merged (wholly or in part) into one new unit."""

    new_province: str
    new_kind: str
    new_name: str
    old_province: str
    old_district: str  # "Thành phố Bắc Giang"; "" for a province
    old_kind: str
    old_name: str
    split: bool  # the old unit was divided among several new ones

    @property
    def new_full(self) -> str:
        if self.new_kind in _PROVINCE_KINDS:
            return f"{self.new_kind} {self.new_name}"
        prov = (
            "thành phố"
            if self.new_province in ("Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế")
            else "tỉnh"
        )
        return f"{self.new_kind} {self.new_name}, {prov} {self.new_province}"

    @property
    def old_full(self) -> str:
        return f"{self.old_kind} {self.old_name}"


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", fold(name).lower()).strip()


def split_kind(name: str) -> tuple[str, str]:
    """ "phường Xương Giang" → ("phường", "Xương Giang"); "Hội Phú" → ("", "Hội Phú")."""
    s = re.sub(r"\s+", " ", name).strip()
    folded = fold(s).lower()
    for prefix, kind in _KIND_PREFIXES:
        if folded.startswith(prefix):
            return kind, s[len(prefix) :].strip()
    m = re.match(r"^(tp|tt|p|x)\.\s*", folded)  # "P.Ngô Quyền"
    if m:
        rest = s[m.end() :].strip()
        return {"tp": "thành phố", "tt": "thị trấn", "p": "phường", "x": "xã"}[m.group(1)], rest
    return "", s


@functools.lru_cache(maxsize=1)
def links() -> tuple[Link, ...]:
    out: list[Link] = []
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        next(f)  # header
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) == 8:
                out.append(Link(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7] == "1"))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _by_old() -> dict[str, list[Link]]:
    idx: dict[str, list[Link]] = {}
    for ln in links():
        idx.setdefault(_key(ln.old_name), []).append(ln)
    return idx


@functools.lru_cache(maxsize=1)
def _by_new() -> dict[str, list[Link]]:
    idx: dict[str, list[Link]] = {}
    for ln in links():
        idx.setdefault(_key(ln.new_name), []).append(ln)
    return idx


def _province_ok(ln: Link, province: str | None) -> bool:
    if not province:
        return True
    p = _key(split_kind(province)[1])
    return p in (_key(ln.new_province), _key(ln.old_province))


def successors(name: str, kind: str | None = None, province: str | None = None) -> list[Link]:
    """Links from an old unit of that name to the new unit(s) it became part of."""
    k, bare = split_kind(name)
    kind = kind or k
    return [
        ln
        for ln in _by_old().get(_key(bare), [])
        if (not kind or ln.old_kind == kind) and _province_ok(ln, province)
    ]


def predecessors(name: str, kind: str | None = None, province: str | None = None) -> list[Link]:
    """Links from the old units merged into the new unit of that name."""
    k, bare = split_kind(name)
    kind = kind or k
    return [
        ln
        for ln in _by_new().get(_key(bare), [])
        if (not kind or ln.new_kind == kind) and _province_ok(ln, province)
    ]


def resolve_area(
    name: str, kind: str | None = None, province: str | None = None, known: Iterable[str] | None = None
) -> list[str]:
    """Every name the area may carry in reports, before and after the 2025 reorganisation:
    the name itself first, then the old units merged into it (when it is a new unit) and
    the new unit(s) it now belongs to (when it is an old one). Bare names, no kind word.
    ``known``: keep only the related names found there (e.g. the wards of the index)."""
    k, bare = split_kind(name)
    out: list[str] = [bare]
    for ln in predecessors(name, kind, province):
        if ln.new_kind in _PROVINCE_KINDS and (kind or k) not in _PROVINCE_KINDS:
            continue  # "Bắc Giang" the ward does not pull in every commune of a province
        out.append(ln.old_name)
    for ln in successors(name, kind, province):
        if ln.old_kind in _PROVINCE_KINDS and (kind or k) not in _PROVINCE_KINDS:
            continue
        out.append(ln.new_name)
    names = list(dict.fromkeys(out))
    if known is not None:
        keys = {_key(k) for k in known}
        names = [names[0], *(n for n in names[1:] if _key(n) in keys)]
    return names


def now_part_of(name: str, kind: str | None = None, province: str | None = None) -> str:
    """ "phường Xương Giang (cũ), nay thuộc phường Bắc Giang, tỉnh Bắc Ninh" — "" when the
    unit was not reorganised (same name, same kind) or is unknown."""
    succ = [
        ln
        for ln in successors(name, kind, province)
        if not (ln.old_kind == ln.new_kind and _key(ln.old_name) == _key(ln.new_name) and not ln.split)
    ]
    if not succ:
        return ""
    first = succ[0]
    targets = list(dict.fromkeys(ln.new_full for ln in succ if ln.old_district == first.old_district))
    return f"{first.old_full} (cũ), nay thuộc {' và '.join(targets)}"


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(name).lower())


@functools.lru_cache(maxsize=1)
def _spellings() -> dict[tuple[str, str], set[str]]:
    """(level group, name without spaces/tones) → the names as written."""
    idx: dict[tuple[str, str], set[str]] = {}

    def add(group: str, name: str) -> None:
        if name:
            idx.setdefault((group, _squash(name)), set()).add(name)

    for ln in links():
        for kind, name in ((ln.new_kind, ln.new_name), (ln.old_kind, ln.old_name)):
            add("province" if kind in _PROVINCE_KINDS else "commune", name)
        add("province", ln.new_province)
        add("province", ln.old_province)
        _dk, dname = split_kind(ln.old_district)
        if dname:
            add("district", dname)
    return idx


def canonical_name(level: str, name: str) -> str:
    """The spelling of an area name as the official lists write it, from a name whose tone
    marks or spaces OCR lost ("HÀ NỌI" → "Hà Nội", "PHÚTHỌ" → "Phú Thọ"); "" when the
    name is unknown or ambiguous."""
    group = (
        "province"
        if level == "tỉnh"
        else "district"
        if level in ("huyện", "quận", "thị xã")
        else "commune"
        if level in ("xã", "phường", "thị trấn", "đặc khu")
        else ""
    )
    groups = [group] if group else ["province", "district"]  # "thành phố": either level
    found: set[str] = set()
    for g in groups:
        found |= _spellings().get((g, _squash(name)), set())
    exact = [n for n in found if n.lower() == name.lower()]
    if exact:
        return exact[0]
    return next(iter(found)) if len(found) == 1 else ""
