"""Reading the indicator table: filters, the asked indicator of a question, and tables.

``records(index, ward=, year=, indicator=)`` lists figures (CLI, UI);
``resolve_indicator(topic, records)`` finds which indicator a question asks about —
the catalogue first (aliases, with the figure's measure: "tỷ lệ …" asks for a rate),
then the indicator names present in the table by shared words — so that a comparison
never picks a figure of another indicator.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from baocao.vntext import fold
from ingest.indicators import IndicatorRecord, catalogue, measure_of, norm
from vectorstore.index import Index
from vectorstore.indicator_store import IndicatorFilter, indicator_key

CONTRACT_FIELDS = (
    "ward", "indicator", "value_text", "value", "value_high", "unit", "year", "period", "kind", "base",
    "document", "doc_date", "section", "text", "chunk_id", "source", "page", "topic",
)  # fmt: skip
KIND_LABELS = {
    "thực hiện": "kết quả thực hiện",
    "ước thực hiện": "ước thực hiện",
    "kế hoạch": "kế hoạch/chỉ tiêu",
    "so sánh kỳ trước": "so với kỳ trước",
}
_STOP = frozenset(
    [
        "so",
        "sánh",
        "của",
        "và",
        "với",
        "hai",
        "các",
        "phường",
        "xã",
        "thị",
        "trấn",
        "nào",
        "hơn",
        "cao",
        "thấp",
        "nhiều",
        "ít",
        "bao",
        "nhiêu",
        "là",
        "gì",
        "thế",
        "ra",
        "sao",
        "năm",
        "qua",
        "những",
        "đạt",
        "được",
        "có",
        "trong",
        "về",
        "bên",
        "nơi",
        "giữa",
        "hay",
        "như",
        "thế",
        "nào",
        "khác",
        "nhau",
        "chênh",
        "lệch",
        "tình",
        "hình",
        "kết",
        "quả",
        "số",
        "liệu",
        "cho",
        "biết",
        "hãy",
    ]
)


class UnknownWard(ValueError):
    pass


def match_ward(name: str, known: Iterable[str]) -> str:
    """ "phường Ngô Quyền", "ngo quyen" → "Ngô Quyền"; UnknownWard lists the known ones."""
    known = list(known)
    key = re.sub(
        r"^(?:phường|phuong|xã|xa|thị trấn|thi tran|đặc khu|dac khu)\s+", "", name.strip(), flags=re.I
    )
    fk = fold(key).lower().strip()
    for w in known:
        if fold(w).lower() == fk:
            return w
    raise UnknownWard(
        f"Không có báo cáo nào của “{name}”. Các phường/xã có trong chỉ mục: {', '.join(known) or '(chưa có)'}."
    )


def records(
    index: Index,
    ward: str | None = None,
    year: int | None = None,
    indicator: str | None = None,
    kinds: list[str] | None = None,
) -> list[IndicatorRecord]:
    """Figures of the index; ``indicator`` matches the name, its catalogue aliases
    ("BHYT" finds "tỷ lệ tham gia bảo hiểm y tế") or the words the report uses."""
    docs = index.documents()
    wards = [match_ward(ward, sorted({d.ward for d in docs.values()}))] if ward else []
    flt = IndicatorFilter(wards=wards, years=[year] if year else [], kinds=kinds or [])
    rows = index.indicator_table().query(flt)
    if not indicator or not indicator.strip():
        return rows
    want = indicator_key(indicator)
    names = {e.indicator for e in catalogue() if want in fold(e.alias) or fold(e.alias) in f" {want} "}
    names |= {e.indicator for e in catalogue() if want in indicator_key(e.indicator)}
    return [
        r
        for r in rows
        if r.indicator in names or want in indicator_key(r.indicator) or want in indicator_key(r.phrase)
    ]


def contract_dict(r: IndicatorRecord) -> dict[str, object]:
    d = r.model_dump()
    return {k: d[k] for k in CONTRACT_FIELDS}


# ------------------------------------------------------------------ which indicator is asked
@dataclass
class Asked:
    indicator: str  # a catalogue indicator or a phrase of the table
    measure: str  # percent / money / count / area / any
    catalogued: bool


def _words(text: str) -> set[str]:
    return {w for w in indicator_key(text).split() if w not in {fold(s) for s in _STOP}}


def wants_rate(topic: str) -> bool:
    return bool(re.search(r"\b(?:tỷ lệ|tỉ lệ|ty le|phần trăm|%)", topic, re.IGNORECASE))


def resolve_indicator(topic: str, table: list[IndicatorRecord]) -> Asked | None:
    """The indicator a question's topic names, preferring those the table actually holds."""
    ranked = candidate_indicators(topic, table)
    return ranked[0] if ranked else _by_words(topic, table)


def candidate_indicators(topic: str, table: list[IndicatorRecord]) -> list[Asked]:
    """Catalogue indicators the topic names, best first (held by the table, head of the
    phrase, longest alias; a rate only when asked, or when nothing else is held)."""
    key = f" {norm(topic)} "
    fkey = f" {fold(norm(topic))} "
    present = {r.indicator for r in table}
    rate = wants_rate(topic)
    best: dict[str, tuple[int, int, int, str, str]] = {}
    for e in catalogue():
        alias = e.alias
        pos = key.find(f" {alias} ")
        if pos < 0:
            pos = fkey.find(f" {fold(alias)} ")
        if pos < 0:
            continue
        if rate and e.measure not in ("percent", "any"):
            continue
        # "số hộ nghèo" rather than "tỷ lệ hộ nghèo" unless a rate is asked for
        penalty = int(not rate and e.measure == "percent")
        # the head of a Vietnamese noun phrase comes first: "lượng rác thu gom khi ra quân"
        cand = (int(e.indicator in present) - penalty, -pos, len(alias), e.indicator, e.measure)
        if e.indicator not in best or cand[:3] > best[e.indicator][:3]:
            best[e.indicator] = cand
    return [Asked(c[3], c[4], True) for c in sorted(best.values(), key=lambda c: c[:3], reverse=True)]


def _by_words(topic: str, table: list[IndicatorRecord]) -> Asked | None:
    """Outside the catalogue: the table's own phrase sharing the most words with the topic."""
    want = _words(topic)
    if not want:
        return None
    present = {r.indicator for r in table}
    scored = []
    for name in present:
        context = " ".join({name, *(r.phrase for r in table if r.indicator == name)})
        have = _words(context)
        if not have:
            continue
        overlap = len(want & have)
        if overlap and overlap / len(want) >= 0.6:
            scored.append((overlap / len(want), -len(_words(name) - want), name))
    if not scored:
        return None
    name = max(scored)[2]
    units = {measure_of(r.unit) for r in table if r.indicator == name}
    return Asked(name, units.pop() if len(units) == 1 else "any", False)


def figures_for(asked: Asked, table: list[IndicatorRecord]) -> list[IndicatorRecord]:
    """Records of exactly this indicator whose measure fits the question."""
    out = [r for r in table if r.indicator == asked.indicator]
    if asked.measure != "any":
        fitting = [r for r in out if measure_of(r.unit) == asked.measure]
        if fitting:
            return fitting
    # a money/count indicator: its own figures, not the ratios quoted beside them
    own = [r for r in out if not (measure_of(r.unit) == "percent" and r.base)]
    return own or out


def figures_by_words(topic: str, table: list[IndicatorRecord]) -> list[IndicatorRecord]:
    """Outside the catalogue, one ward's figures whose own words best cover the topic's
    (each ward's report names the thing its own way)."""
    want = _words(topic)
    if not want:
        return []
    scored: list[tuple[float, IndicatorRecord]] = []
    for r in table:
        have = _words(f"{r.indicator} {r.phrase} {r.unit}")
        cover = len(want & have) / len(want)
        if cover >= 0.6:
            scored.append((cover, r))
    if not scored:
        return []
    top = max(c for c, _ in scored)
    return [r for c, r in scored if c == top]
