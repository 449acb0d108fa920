"""Ward comparisons and trends from the indicator table.

``compare(question, wards, answer_for, ward_kind, table)``: the question's topic is mapped to
one indicator (``assistant.indicators.resolve_indicator``); each ward's figures of exactly
that indicator are taken from the table — same kind (result/estimate before target) and the
same year where the wards share one — and laid side by side, each with its citation and its
"as of" (document, date, kind). A ward whose reports lack the indicator is said to lack it;
differing units, bases, years, kinds or document dates are stated; two different figures
for one ward and year are both shown, each cited, with a sentence saying they differ.
Trend questions ("… qua các năm") list every year of every report of a ward.

When the topic maps to no indicator of the table, each ward's answer is quoted as found
(``answer_for``) without a headline figure: a figure is shown only when it is the asked one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assistant.indicators import (
    KIND_LABELS,
    Asked,
    candidate_indicators,
    figures_by_words,
    figures_for,
    resolve_indicator,
    wants_rate,
)
from assistant.query import relative_years, report_year
from assistant.types import AnswerRecord, Citation
from baocao.thesaurus import report_terms
from baocao.vntext import fold, match_key
from ingest.indicators import IndicatorRecord, measure_of
from vectorstore.indicator_store import indicator_key

_COMPARE_WORDS_RE = re.compile(
    r"\b(so sánh|so sanh|giữa|giua|hai phường|hai phuong|hai xã|các phường|cac phuong|phường nào|phuong nao|"
    r"xã nào|nơi nào|bên nào|cao hơn|thấp hơn|nhiều hơn|ít hơn|cao hon|thap hon|nhieu hon|it hon|chênh lệch|"
    r"của|cua|và|va|với|voi|hay|hai|các|cac|phường|phuong|xã|khác nhau thế nào|khác nhau|thế nào|ra sao|"
    r"qua các năm|qua cac nam|các năm|từng năm|theo năm|xu hướng|diễn biến|biến động)\b",
    re.IGNORECASE,
)
_TREND_RE = re.compile(
    r"qua (?:các|cac) năm|qua (?:các|cac) nam|(?:các|từng|theo) năm|xu hướng|diễn biến|biến động qua|"
    r"từ năm \d{4} đến|(?:19|20)\d\d\s*[-–đến]+\s*(?:19|20)\d\d",
    re.IGNORECASE,
)
_PLAN_ASKED = re.compile(r"kế hoạch|chỉ tiêu|mục tiêu|phấn đấu|dự kiến|giao", re.IGNORECASE)
# "đạt bao nhiêu % so với kế hoạch": the plan is the base of a result, not what is asked
_BASE_RE = re.compile(
    r"(?:so với|so voi|đạt|dat|bằng|bang)\s+(?:\S+\s+){0,2}?(?:kế hoạch|ke hoach|chỉ tiêu|chi tieu)",
    re.IGNORECASE,
)
_CHANGE_ASKED = re.compile(r"so với|cùng kỳ|tăng bao nhiêu|giảm bao nhiêu", re.IGNORECASE)
_RESULT_KINDS = ("thực hiện", "ước thực hiện")
_LOW_ASKED = re.compile(r"thấp hơn|ít hơn|nhỏ hơn|thap hon|it hon", re.IGNORECASE)
MAX_PER_WARD = 3


def is_trend(question: str) -> bool:
    return bool(_TREND_RE.search(question))


def topic_of(question: str, wards: list[str]) -> str:
    q = question
    for w in wards:
        q = re.sub(r"(?:phường|phuong|xã|xa)?\s*" + re.escape(w), " ", q, flags=re.IGNORECASE)
        q = re.sub(re.escape(fold(w)), " ", q, flags=re.IGNORECASE)
    q = re.sub(r"\b(?:năm\s+)?(?:19|20)\d\d\b", " ", q)
    q = _COMPARE_WORDS_RE.sub(" ", q)
    return re.sub(r"\s+", " ", q).strip(" ?.,")


def _years_in(question: str) -> list[int]:
    return [int(y) for y in re.findall(r"\b((?:19|20)\d\d)\b", question)]


def as_of(r: IndicatorRecord) -> str:
    """ "ước thực hiện năm 2023 — Kế hoạch ngày 30/8/2023"."""
    year = f" năm {r.year}" if r.year else ""
    if r.period and r.period != "năm":
        year = f" {r.period}" + (f" {r.year}" if r.year and str(r.year) not in r.period else "")
    return f"{KIND_LABELS.get(r.kind, r.kind)}{year} — {r.document}"


def _pick(
    recs: list[IndicatorRecord], question: str, year: int | None, topic: str = "", keep: int = MAX_PER_WARD
) -> list[IndicatorRecord]:
    """One ward's figures for the comparison: the wanted kind and year, distinct values."""
    if not _CHANGE_ASKED.search(question):
        recs = [r for r in recs if r.kind != "so sánh kỳ trước"] or recs
    # "năm sau/năm tới" (the report's plan year) asks the target, like "kế hoạch"
    offsets = relative_years(question)
    plan = _PLAN_ASKED.search(_BASE_RE.sub(" ", question)) or any(k > 0 for k in offsets)
    kinds = ("kế hoạch",) if plan else _RESULT_KINDS
    preferred = [r for r in recs if r.kind in kinds] or recs
    if offsets and not _years_in(question):
        # "năm nay / năm sau" is each report's own year / its plan year: named, so kept strictly
        # (another year's figure, of any kind, is not an answer)
        ref = _report_years(recs)
        named = [
            r for r in recs if r.year is not None and r.doc_id in ref and r.year - ref[r.doc_id] in offsets
        ]
        preferred = [r for r in named if r.kind in kinds] or named
    elif year is not None:
        same_year = [r for r in preferred if r.year == year]
        # a year the question names is kept strictly: another year's figure is not an answer
        preferred = same_year if (same_year or _years_in(question)) else preferred
    if preferred and year is None:
        latest = max((r.year or 0) for r in preferred)
        preferred = [r for r in preferred if (r.year or 0) == latest]
    # "nhiều chương trình hơn": among these, the figures counting what the question counts
    key = f" {indicator_key(topic)} "
    preferred = [r for r in preferred if r.unit and f" {indicator_key(r.unit)} " in key] or preferred
    out: list[IndicatorRecord] = []
    for r in preferred:
        if all(abs(r.value - o.value) > 1e-9 or r.unit != o.unit for o in out):
            out.append(r)
    return out[:keep]


def _report_years(recs: list[IndicatorRecord]) -> dict[str, int]:
    """Each document's year that "năm nay" / "năm sau" count from (``query.report_year``: its
    date of issue, else the first year its figures cover); documents giving neither are left out."""
    by_doc: dict[str, list[IndicatorRecord]] = {}
    for r in recs:
        by_doc.setdefault(r.doc_id, []).append(r)
    years = {d: report_year(rs[0].doc_date, (r.year or 0 for r in rs)) for d, rs in by_doc.items()}
    return {d: y for d, y in years.items() if y is not None}


def _target_year(by_ward: dict[str, list[IndicatorRecord]], question: str) -> int | None:
    asked = _years_in(question)
    if asked:
        return asked[0]
    years: dict[int, int] = {}
    for recs in by_ward.values():
        for y in {r.year for r in recs if r.year}:
            years[y] = years.get(y, 0) + 1
    if not years:
        return None
    return max(years, key=lambda y: (years[y], y))  # the year most wards report, latest on ties


def _fmt_value(r: IndicatorRecord) -> str:
    return r.value_text


def _in_quote(r: IndicatorRecord, quotes: list[tuple[str, str]]) -> bool:
    """Whether the figure's sentence is one an answer quotes (same chunk, same sentence)."""
    mine = match_key(r.text)
    return any(
        r.chunk_id == chunk and mine and (mine in match_key(quote) or match_key(quote) in mine)
        for chunk, quote in quotes
    )


def _asked_figure(recs: list[IndicatorRecord], topic: str) -> list[IndicatorRecord]:
    """Among the figures of the sentence that answers the topic, the one it asks for: of the
    asked measure (a rate for "tỷ lệ"), counting what the topic counts, naming the most of
    the topic's words; the sentence's first such figure on ties."""
    if not recs:
        return []
    fits = _fits(recs, topic)
    best = max(fits)
    return [r for r, f in zip(recs, fits, strict=True) if f == best][:1]


def _fits(recs: list[IndicatorRecord], topic: str) -> list[tuple[int, int, int, int]]:
    """How well each figure fits the topic: the asked measure, the counted unit, shared words,
    then its place in the sentence (earlier first)."""
    key = f" {indicator_key(topic)} "
    want = {w for w in key.split() if len(w) > 1}
    rate = wants_rate(topic)
    out = []
    for r in recs:
        percent = measure_of(r.unit) == "percent"
        unit_hit = bool(r.unit) and f" {indicator_key(r.unit)} " in key
        words = len(want & set(indicator_key(f"{r.indicator} {r.phrase} {r.unit}").split()))
        pos = r.text.find(r.value_text)
        out.append((int(percent == rate), int(unit_hit), words, -(pos if pos >= 0 else len(r.text))))
    return out


def _names_topic(r: IndicatorRecord, topic: str) -> bool:
    """Whether the figure's indicator or phrase shares a word with the topic besides its unit."""
    unit = set(indicator_key(r.unit).split())
    want = {w for w in indicator_key(topic).split() if len(w) > 1} - unit
    return bool(want & (set(indicator_key(f"{r.indicator} {r.phrase}").split()) - unit))


def located_figures(
    question: str,
    topic: str,
    wards: list[str],
    answer_for: Callable[[str, str], AnswerRecord],
    ward_kind: Callable[[str], str],
    records: list[IndicatorRecord],
) -> dict[str, list[IndicatorRecord]]:
    """Each ward's figures found through its own answer: the answerer (meaning and words,
    fitted; it refuses when the ward's report does not say) picks the sentence, and the
    indicator table gives that sentence's figures (of the asked kind and year)."""
    out: dict[str, list[IndicatorRecord]] = {}
    year = _years_in(question)
    for w in wards:
        rec = answer_for(f"{topic} {ward_kind(w)} {w}", w)
        quotes = [] if rec.refused else [(c.chunk_id, c.quote or c.text) for c in rec.citations]
        here = [r for r in records if r.ward == w and _in_quote(r, quotes)]
        out[w] = _pick(here, question, year[0] if year else None, topic, keep=len(here))
    return out


def compare(
    question: str,
    wards: list[str],
    answer_for: Callable[[str, str], AnswerRecord],
    ward_kind: Callable[[str], str],
    table: Callable[[], list[IndicatorRecord]] | None = None,
) -> AnswerRecord:
    """``answer_for(topic_question, ward)`` answers for one ward: it locates each ward's
    figure by meaning, and checks (or replaces) the indicator the topic's words name."""
    topic = topic_of(question, wards) or question
    records = [r for r in (table() if table else []) if r.ward in wards]
    answers: dict[tuple[str, str], AnswerRecord] = {}
    ask = answer_for

    def answer_once(q: str, w: str) -> AnswerRecord:  # located, then maybe quoted: answered once
        if (q, w) not in answers:
            answers[q, w] = ask(q, w)
        return answers[q, w]

    answer_for = answer_once
    named = _named_indicator(question, topic, wards, records)
    if named is not None and is_trend(question):
        return _trend(question, named[0], wards, named[1], ward_kind)
    located = located_figures(question, topic, wards, answer_for, ward_kind, records)
    if named is not None:
        asked, _by_ward, chosen = named
        found = [w for w in wards if located[w] and chosen.get(w)]
        agree = [w for w in found if _same_sentence(chosen[w], located[w])]
        # meaning overrules the words only when the answers of several wards quote figures and
        # none of them is a figure of the indicator the words name
        if agree or len([w for w in wards if located[w]]) < 2:
            refined = {w: _refine(chosen.get(w) or [], located[w], topic) for w in wards}
            measures = {measure_of(r.unit) for recs in refined.values() for r in recs}
            for w in wards:
                if not refined[w]:  # no figure under the indicator's name: the ward's own answer's,
                    # when it is of the same measure and names what the topic names (not only its unit)
                    refined[w] = [
                        r
                        for r in _asked_figure(located[w], topic)
                        if measure_of(r.unit) in measures and _names_topic(r, topic)
                    ]
            return _table_answer(question, asked, wards, refined, ward_kind)
    best = {w: _asked_figure(recs, topic) for w, recs in located.items()}
    if any(best.values()):
        name = next(r.indicator for recs in best.values() for r in recs)
        return _table_answer(question, Asked(name, "any", False), wards, best, ward_kind)
    return _quote_compare(question, topic, wards, answer_for, ward_kind)


def _same_sentence(a: list[IndicatorRecord], b: list[IndicatorRecord]) -> bool:
    return bool({(r.chunk_id, r.text) for r in a} & {(r.chunk_id, r.text) for r in b})


def _refine(
    chosen: list[IndicatorRecord], located: list[IndicatorRecord], topic: str
) -> list[IndicatorRecord]:
    """Several figures of a broad indicator ("đăng ký hộ tịch": births, deaths, marriages)
    for one ward: the one the ward's answer quotes, else the one that fits the topic best
    when one does; all of them (each cited) otherwise."""
    if len(chosen) < 2:
        return chosen
    quoted = [r for r in chosen if _same_sentence([r], located)] or chosen
    if len(quoted) == 1:
        return quoted
    # a figure that fits the topic better (measure, unit, words; not merely its place) wins
    fits = [f[:3] for f in _fits(quoted, topic)]
    top = max(fits)
    return [quoted[fits.index(top)]] if fits.count(top) == 1 else quoted


def _named_indicator(
    question: str, topic: str, wards: list[str], records: list[IndicatorRecord]
) -> tuple[Asked, dict[str, list[IndicatorRecord]], dict[str, list[IndicatorRecord]]] | None:
    """The indicator the topic's words name — a catalogue indicator (its aliases, or the
    report wording the thesaurus gives for an everyday phrase), else the table's own phrase
    sharing most of the topic's words — with each ward's figures of it."""
    if not records:
        return None
    candidates = candidate_indicators(topic, records)[:4]
    if not candidates:  # everyday wording: "nguồn thu" → "thu ngân sách" (the thesaurus)
        candidates = candidate_indicators(" ".join(report_terms(topic)), records)[:4]
    if not candidates:  # outside the catalogue: the table's own phrases sharing the topic's words
        fallback = resolve_indicator(topic, records)
        candidates = [fallback] if fallback else []
    best: tuple[int, int, Any] | None = None
    for rank, asked in enumerate(candidates):
        if asked.catalogued:
            by_ward = {w: figures_for(asked, [r for r in records if r.ward == w]) for w in wards}
        else:
            by_ward = {w: figures_by_words(topic, [r for r in records if r.ward == w]) for w in wards}
        if is_trend(question):
            chosen = by_ward
        else:
            year = _target_year(by_ward, question)
            chosen = {w: _pick(recs, question, year, topic) for w, recs in by_ward.items()}
        # the named indicator the reports hold for the most wards (the catalogue's order on ties)
        covered = sum(1 for recs in chosen.values() if recs)
        if best is None or (covered, -rank) > best[:2]:
            best = (covered, -rank, (asked, by_ward, chosen))
    return None if best is None else best[2]


def _citation(n: int, r: IndicatorRecord) -> Citation:
    return Citation(
        n=n,
        ward=r.ward,
        document=r.document,
        section=r.section,
        text=r.text,
        source=r.source,
        doc_id=r.doc_id,
        chunk_id=r.chunk_id,
        date=r.doc_date,
        page=r.page,
        quote=r.text,
    )


def _row(r: IndicatorRecord, n: int) -> dict[str, Any]:
    return {
        "ward": r.ward,
        "refused": False,
        "indicator": r.indicator,
        "quote": r.text,
        "figure": r.value_text,
        "value": r.value,
        "unit": r.unit,
        "year": r.year,
        "kind": r.kind,
        "base": r.base,
        "document": r.document,
        "doc_date": r.doc_date,
        "as_of": as_of(r),
        "citations": [f"[{n}]"],
    }


def _table_answer(
    question: str,
    asked: Asked,
    wards: list[str],
    chosen: dict[str, list[IndicatorRecord]],
    ward_kind: Callable[[str], str],
) -> AnswerRecord:
    citations: list[Citation] = []
    rows: list[dict[str, Any]] = []
    table = ["| Địa bàn | Số liệu | Thời điểm, loại số liệu | Nguồn |", "|---|---|---|---|"]
    notes: list[str] = []
    for w in wards:
        name = f"{ward_kind(w)} {w}"
        recs = chosen.get(w) or []
        if not recs:
            rows.append({"ward": w, "refused": True, "indicator": asked.indicator})
            table.append(f"| {name} | Báo cáo không nêu | — | — |")
            notes.append(f"Báo cáo của {name} không nêu số liệu về {asked.indicator}.")
            continue
        for r in recs:
            n = len(citations) + 1
            citations.append(_citation(n, r))
            rows.append(_row(r, n))
            table.append(f"| {name} | {_fmt_value(r)} | {as_of(r)} | [{n}] |")
        groups: dict[tuple[int | None, str], int] = {}
        for r in recs:
            groups[(r.year, r.kind)] = groups.get((r.year, r.kind), 0) + 1
        if max(groups.values()) > 1:  # two figures for one year and kind: say they differ
            listed = "; ".join(
                f"{r.value_text} [{rows[-len(recs) + i]['citations'][0][1:-1]}]" for i, r in enumerate(recs)
            )
            who = "Báo cáo" if len({r.doc_id for r in recs}) == 1 else "Các báo cáo"
            notes.append(f"{who} của {name} nêu {len(recs)} số liệu khác nhau cho chỉ tiêu này ({listed}).")
    shown = [r for recs in chosen.values() for r in recs]
    parts = [f"So sánh {asked.indicator} theo số liệu trích từ báo cáo của từng địa bàn:", "", *table, ""]
    parts += _differences(shown, wards, chosen, ward_kind, bool(_LOW_ASKED.search(question)))
    parts += [s for s in notes]
    refused = not shown
    return AnswerRecord(
        question=question,
        answer="\n".join(p for p in parts if p is not None).rstrip(),
        refused=refused,
        citations=citations,
        mode="comparison",
        comparison=rows,
    )


def _differences(
    shown: list[IndicatorRecord],
    wards: list[str],
    chosen: dict[str, list[IndicatorRecord]],
    ward_kind: Callable[[str], str],
    low: bool = False,
) -> list[str]:
    """The ranking when the figures are comparable; otherwise what makes them differ."""
    out: list[str] = []
    single = {w: recs[0] for w, recs in chosen.items() if len(recs) == 1}
    if len(shown) < 2:
        return out
    units = {measure_of(r.unit) + ":" + r.unit for r in shown}
    if len(units) > 1:
        out.append(
            "Các số liệu không cùng đơn vị ("
            + ", ".join(sorted({r.unit or "không đơn vị" for r in shown}))
            + ") nên không so sánh trực tiếp được."
        )
    bases = {r.base for r in shown}
    if len(bases) > 1:
        out.append(
            "Các tỷ lệ được tính trên cơ sở khác nhau ("
            + "; ".join(f"{ward_kind(r.ward)} {r.ward}: {r.base or 'không nêu'}" for r in shown)
            + ")."
        )
    dates = {r.doc_date for r in shown}
    kinds = {r.kind for r in shown}
    years = {r.year for r in shown}
    if len(dates) > 1 or len(kinds) > 1 or len(years) > 1:
        out.append(
            "Lưu ý: số liệu không cùng thời điểm hoặc loại — "
            + "; ".join(f"{ward_kind(r.ward)} {r.ward}: {as_of(r)}" for r in shown)
            + "."
        )
    if len(single) >= 2 and len(units) == 1 and len(bases) == 1 and len(kinds) == 1 and len(years) == 1:
        ranked = sorted(single.items(), key=lambda kv: -kv[1].value)
        hi, lo = ranked[0], ranked[-1]
        if hi[1].value == lo[1].value:
            out.append(f"Các địa bàn có cùng mức {hi[1].value_text}.")
        else:
            a, b, word = (lo, hi, "thấp hơn") if low else (hi, lo, "cao hơn")
            out.append(
                f"Theo số liệu trích dẫn, {ward_kind(a[0])} {a[0]} ({a[1].value_text}) {word} "
                f"{ward_kind(b[0])} {b[0]} ({b[1].value_text})."
            )
    return out


def _trend(
    question: str,
    asked: Asked,
    wards: list[str],
    by_ward: dict[str, list[IndicatorRecord]],
    ward_kind: Callable[[str], str],
) -> AnswerRecord:
    """Every year of every report: one row per ward, year and kind."""
    chosen: dict[str, list[IndicatorRecord]] = {}
    for w in wards:
        recs = [r for r in by_ward.get(w, []) if r.kind != "so sánh kỳ trước"] or by_ward.get(w, [])
        seen: dict[tuple[int | None, str], IndicatorRecord] = {}
        for r in sorted(recs, key=lambda r: (r.year or 0, r.kind)):
            seen.setdefault((r.year, r.kind), r)
        chosen[w] = list(seen.values())
    rec = _table_answer(question, asked, wards, {w: v for w, v in chosen.items()}, ward_kind)
    rec.answer = rec.answer.replace("So sánh", "Diễn biến", 1)
    for row in rec.comparison:
        row["trend"] = True
    return rec


def _quote_compare(
    question: str,
    topic: str,
    wards: list[str],
    answer_for: Callable[[str, str], AnswerRecord],
    ward_kind: Callable[[str], str],
) -> AnswerRecord:
    """No indicator of the table matches: each ward's answer quoted, no headline figure."""
    citations: list[Citation] = []
    rows: list[dict[str, object]] = []
    table = ["| Địa bàn | Nội dung báo cáo | Nguồn |", "|---|---|---|"]
    missing: list[str] = []
    for w in wards:
        kind = ward_kind(w)
        rec = answer_for(f"{topic} {kind} {w}", w)
        if rec.refused or not rec.citations:
            missing.append(w)
            table.append(f"| {kind} {w} | Báo cáo không nêu | — |")
            rows.append({"ward": w, "refused": True})
            continue
        ns = []
        for c in rec.citations:
            c2 = c.model_copy(update={"n": len(citations) + 1})
            citations.append(c2)
            ns.append(f"[{c2.n}]")
        quote = " ".join(c.quote for c in rec.citations if c.quote) or rec.citations[0].text
        cell = re.sub(r"\s+", " ", quote).replace("|", "/")
        table.append(f"| {kind} {w} | {cell} | {' '.join(ns)} |")
        rows.append({"ward": w, "refused": False, "quote": quote, "figure": "", "value": None, "unit": "",
                     "citations": ns})  # fmt: skip
    parts = [f"So sánh theo báo cáo của từng địa bàn ({topic}):", "", *table]
    parts.append(
        "\nKhông tìm thấy một chỉ tiêu định lượng chung để so sánh; dưới đây là nội dung từng báo cáo."
    )
    for w in missing:
        parts.append(f"\nBáo cáo của {ward_kind(w)} {w} không nêu nội dung này.")
    return AnswerRecord(
        question=question,
        answer="\n".join(parts),
        refused=len(missing) == len(wards),
        citations=citations,
        mode="comparison",
        comparison=rows,
    )
