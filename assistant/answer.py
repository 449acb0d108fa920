"""Grounded extractive answers: pick the sentences of the retrieved passages that answer
the question and compose a short Vietnamese answer around them, every statement
cited. Figures are never produced here — they are copied with the sentence that
holds them — so an answer cannot contain a number its citation does not."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from assistant.figures import asked_units as question_units
from assistant.figures import figure_of_asked_unit, has_figure, rate_subject
from assistant.layout import SECTION_HINTS, passage_layout
from assistant.query import QueryInfo, contains_cue
from assistant.query import report_year as query_report_year
from assistant.ranker import Ranker, add_relative, load_ranker
from assistant.sentences import Alternatives, Matcher, Sentence, TermWeights, coverage
from assistant.types import AnswerRecord, Citation, Passage, citation_for
from baocao import thesaurus
from baocao.vntext import TOKEN_RE, fold, has_diacritics, tokenize
from ingest.models import SIGNATURE_HEADING
from vectorstore.ports import TermStats


@dataclass
class Pick:
    sentence: Sentence
    score: float
    coverage: float
    extra: list[Sentence] = field(default_factory=list)  # list items following a "…:" lead
    lead: Sentence | None = None  # the sentence before, when it names what this one is about
    notes: list[Sentence] = field(default_factory=list)  # footnotes the sentence references
    asked_units: set[str] = field(default_factory=set)  # "bao nhiêu hộ" -> {"ho"}
    features: dict[str, float] = field(default_factory=dict)  # the ranker's inputs


CONTEXT_WEIGHT = 0.3


def _asked_tokens(tokens: list[str], context: list[str], phrases: list[list[str]]) -> list[str]:
    """Every count ``term_weights`` may ask for: each word as typed and folded, each pair of
    neighbouring question words, the words of the thesaurus phrases found."""
    words = [*tokens, *context, *(t for p in phrases for t in p)]
    out = [*words, *("~" + fold(t) for t in words)]
    for a, b in itertools.pairwise(tokens):
        out += [f"{a}_{b}", f"~{fold(a)}_{fold(b)}"]
    return out


def term_weights(info: QueryInfo, lex: TermStats) -> TermWeights:
    """Group the question's syllables into words the corpus knows, weigh each by idf.

    A thesaurus phrase ("trường mẫu giáo") is one unit that also matches the report's
    wording ("mầm non"). A word the corpus has never seen (and no thesaurus entry maps)
    weighs nothing: it cannot be matched, so it must not push the answer out."""

    accented = has_diacritics(info.question)  # a careful typist: "thu" means thu, not thú/thủ

    def known(t: str) -> bool:
        return bool(lex.df(t) or lex.df("~" + fold(t)))

    def idf(t: str) -> float:
        if not known(t):
            return 0.0
        return max(lex.idf(t) if accented or has_diacritics(t) else lex.idf("~" + fold(t)), 0.1)

    def assoc(a: str, b: str) -> float:
        """How much two adjacent syllables behave as one word in the corpus."""
        if accented or has_diacritics(a) or has_diacritics(b):
            both, da, db = lex.df(f"{a}_{b}"), lex.df(a), lex.df(b)
        else:
            both, da, db = lex.df(f"~{fold(a)}_{fold(b)}"), lex.df("~" + fold(a)), lex.df("~" + fold(b))
        return both / max(1, min(da, db)) if both else 0.0

    units: list[tuple[Alternatives, float]] = []
    toks, pos = list(info.content_tokens), list(info.positions)
    found = thesaurus.find(info.question)
    lex.prefetch(_asked_tokens(toks, list(info.context_tokens), [tokenize(m.entry.term) for m in found]))
    # thesaurus phrases first: their syllables become one unit with the report's wording
    spans = [m.span() for m in TOKEN_RE.finditer(fold(info.question).lower())]
    for m in found:
        inside = [i for i, p in enumerate(pos) if p < len(spans) and m.start <= spans[p][0] < m.end]
        if not inside:
            continue
        said = tuple(toks[i] for i in inside)
        term = tuple(tokenize(m.entry.term))
        w = max(sum(idf(t) for t in said), sum(idf(t) for t in term))
        if w > 0:
            units.append(((said, term), w))
        for i in reversed(inside):
            del toks[i], pos[i]
    n = len(toks)
    # best segmentation of the rest into words (pairs of strongly associated adjacent syllables)
    best = [0.0] * (n + 1)
    choice = [1] * (n + 1)
    for i in range(n - 1, -1, -1):
        best[i], choice[i] = best[i + 1], 1
        if i + 1 < n and pos[i + 1] == pos[i] + 1:
            a = assoc(toks[i], toks[i + 1])
            if a >= 0.05 and a + best[i + 2] > best[i]:
                best[i], choice[i] = a + best[i + 2], 2
    i = 0
    while i < n:
        seq = tuple(toks[i : i + choice[i]])
        w = sum(idf(t) for t in seq)
        if w > 0:
            units.append(((seq,), w))
        i += choice[i]
    seen = {t for u, _ in units for alt in u for t in alt}
    # a short elliptical question leans on the earlier topic more
    ctx_weight = CONTEXT_WEIGHT if len(units) > 2 else 2 * CONTEXT_WEIGHT
    for t in info.context_tokens:
        if t not in seen and idf(t) > 0:
            units.append((((t,),), ctx_weight * idf(t)))
            seen.add(t)
    return TermWeights(units)


_YEAR_RE = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def report_year(passage: Passage) -> int | None:
    """The year the passage's document speaks from (``query.report_year``)."""
    return query_report_year(passage.date or "", passage.years)


def asked_years(info: QueryInfo, passage: Passage) -> list[int]:
    """The years the question asks about, as seen from this passage's document: its own years
    and "năm nay"/"năm sau" resolved against the document's year."""
    ref = report_year(passage)
    rel = [ref + k for k in info.relative_years] if ref is not None else []
    return sorted({*info.years, *rel})


def _year_hint(years: list[int], passage: Passage, sent: Sentence) -> float:
    """Prefer the part of the report about the asked year (results 2023 vs plan 2024)."""
    if not years:
        return 0.0
    asked = {str(y) for y in years}
    sec_years = set(_YEAR_RE.findall(passage.section))
    bonus = 0.0
    if sec_years & asked:
        bonus += 0.2
    elif sec_years:
        bonus -= 0.12
    if asked & set(_YEAR_RE.findall(sent.text)):
        bonus += 0.05
    return bonus


PLAN_CUES = (
    "kế hoạch",
    "chỉ tiêu",
    "dự kiến",
    "phấn đấu",
    "mục tiêu",
    "phương hướng",
    "nhiệm vụ",
    "giải pháp",
)
# "Tình hình thực hiện kế hoạch…", "kết quả thực hiện các chỉ tiêu": what was done, not a plan
_CARRIED_OUT_RE = re.compile(
    r"\b(?:thuc hien|ket qua|danh gia)\s+(?:cac\s+|nhung\s+)?(?:ke hoach|chi tieu|nhiem vu|muc tieu)\b"
)


@lru_cache(maxsize=4096)
def is_plan(text: str) -> bool:
    """Whether a heading path or question is about the plan (targets, tasks) rather than
    what was achieved; a plan word governed by "thực hiện"/"kết quả" names an achievement."""
    return contains_cue(_CARRIED_OUT_RE.sub(" ", fold(text).lower()), PLAN_CUES)


WHO_CUES = ("ai", "người ký", "ký")
CLOSING = ("trên đây là",)


def _cosine(a: Any, b: Any) -> float:
    if a is None or b is None or not len(a) or not len(b):
        return 0.0
    va, vb = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    return float(va @ vb / ((np.linalg.norm(va) * np.linalg.norm(vb)) or 1.0))


@dataclass
class Signals:
    """What the answerer knows beyond the passages: the question's embedding, the stored
    sentence vectors of each passage, and the sentence-level dense search ranks."""

    query_vector: list[float] | None = None
    unit_vectors: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)  # text, vector
    unit_ranks: dict[tuple[str, str], int] = field(default_factory=dict)
    model: str = ""  # the embedding model that produced the vectors


def score_sentences(
    info: QueryInfo,
    weights: TermWeights,
    passages: list[Passage],
    signals: Signals | None = None,
    ranker: Ranker | None = None,
) -> list[Pick]:
    signals = signals or Signals()
    ranker = (ranker or load_ranker()).for_model(signals.model)
    picks: list[Pick] = []
    asked_units = question_units(info)
    subject = rate_subject(info)
    # "năm sau/năm tới" asks for the plan year: what the report plans, not what it achieved
    plan_q = is_plan(info.question) or any(k > 0 for k in info.relative_years)
    who_q = contains_cue(info.question, WHO_CUES)
    unaccented = not has_diacritics(info.question)
    match = Matcher(weights)
    for pi, p in enumerate(passages):
        lay = passage_layout(p.section, p.text)
        sents = lay.at(pi)
        vecs = dict(signals.unit_vectors.get(p.chunk_id, []))
        name_miss = float(
            any(" " + " ".join(fold(t) for t in tokenize(n)) + " " not in lay.hay for n in info.names)
        )
        sec_cov = match.coverage(p.section)
        years = asked_years(info, p)
        plan_s = is_plan(p.section) or any(
            y > max(p.years or [0]) for y in map(int, _YEAR_RE.findall(p.section))
        )
        hint = SECTION_HINTS.get(p.section, "")
        hinted = bool(hint) and any(t in hint for t in info.content_tokens)
        for si, s in enumerate(sents):
            slot = lay.slots[si]
            own_notes = [sents[i] for i in slot.own_notes]
            body = slot.body
            own = match.coverage(body)
            cov = max(
                match.coverage(body, context=slot.context),
                match.coverage(body, context=slot.near_text, context_factor=0.85),
            )
            if hinted:
                cov = max(cov, match.coverage(body, context=hint, context_factor=0.9))
            pk = Pick(s, 0.0, cov, notes=own_notes, asked_units=asked_units)
            if (info.wants_list or slot.heading) and not s.ends_with_colon:
                pk.extra = [sents[i] for i in slot.continuation]
            if slot.prev and own < cov - 0.2:
                # name what the sentence is about: the nearest short lead that adds the missing terms
                for cand in reversed([sents[i] for i in slot.prev]):
                    if len(cand.text) < 160 and match.coverage(f"{cand.text} {body}") > own + 0.1:
                        pk.lead = cand
                        break
            if s.ends_with_colon:
                pk.extra = [sents[i] for i in slot.following]
                if pk.extra:
                    pk.coverage = max(
                        cov, match.coverage(" ".join(x.text for x in [s, *pk.extra]), p.section)
                    )
            if (
                (info.wants_list or slot.item)
                and pk.lead is not None
                and lay.slots[pk.lead.order].heading
                and not pk.extra
            ):
                # "Khuyết điểm, hạn chế là gì?": answer with the heading's items, not one item
                head = pk.lead
                pk = Pick(head, 0.0, cov, notes=own_notes, asked_units=asked_units)
                pk.extra = [sents[i] for i in lay.slots[head.order].continuation]
            quote = " ".join(x.text for x in [pk.lead, pk.sentence, *pk.extra, *pk.notes] if x is not None)
            fig = slot.figure
            of_unit = bool(asked_units) and figure_of_asked_unit(quote, asked_units)
            dense = _cosine(signals.query_vector, vecs.get(s.text))
            urank = signals.unit_ranks.get((p.chunk_id, s.text))
            pk.features = {
                "cov": pk.coverage,
                "own": own,
                "sec": sec_cov,
                "dense": dense,
                "dense_unacc": dense if unaccented else 0.0,
                "unit_hit": 1.0 / urank if urank else 0.0,
                "prank": 1.0 / (pi + 1),
                "figure": float(fig),
                "num_miss": float(info.wants_number and not has_figure(quote)),
                "pct_miss": float(info.wants_percent and "%" not in quote),
                "unit_match": float(of_unit),
                "unit_miss": float(bool(asked_units) and info.wants_number and not of_unit),
                "subject_miss": float(bool(subject) and not subject <= {fold(t) for t in tokenize(quote)}),
                "name_miss": name_miss,
                "year": _year_hint(years, p, s),
                "plan_match": (1.0 if plan_q == plan_s else -1.0) if (plan_q or plan_s) else 0.0,
                "list_fit": float(info.wants_list and bool(pk.extra)),
                "heading": float(slot.heading),
                "short": float(len(s.text) < 25),
                "closing": float(contains_cue(s.text[:30], CLOSING)),
                "log_len": math.log(1 + len(quote)),
                "who_fit": float(who_q and p.section == SIGNATURE_HEADING),
            }
            picks.append(pk)
    add_relative([pk.features for pk in picks])
    for pk, prob in zip(picks, ranker.probabilities([pk.features for pk in picks]), strict=True):
        pk.score = prob
    picks.sort(key=lambda k: -k.score)
    return picks


def _lower_first(text: str) -> str:
    """Lower-case the first letter when it only starts a sentence (not a name/abbreviation)."""
    m = re.match(r"(\W*)(\w+)", text)
    if not m:
        return text
    word = m.group(2)
    if len(word) > 1 and word[0].isupper() and word[1:].islower() and fold(word).lower() not in _KEEP_CAPS:
        return text[: m.start(2)] + word[0].lower() + text[m.start(2) + 1 :]
    return text


_KEEP_CAPS = {
    "ubnd",
    "hdnd",
    "dang",
    "nha",
    "chu",
    "thanh",
    "nhan",
    "ngan",
    "tinh",
    "mat",
    "so",
    "phong",
    "truong",
}


def _strip_bullet(text: str) -> str:
    return re.sub(r"^\s*[-+•*–]\s+", "", text).strip()


def _end(text: str) -> str:
    text = text.rstrip()
    return text[:-1] if text.endswith((".", ";", ",")) else text


def source_phrase(p: Passage) -> str:
    return f"Theo {p.document} của UBND {p.ward_kind} {p.ward}".replace("  ", " ")


def compose(
    info: QueryInfo,
    picks: list[Pick],
    passages: list[Passage],
    weights: TermWeights | None = None,
    threshold: float | None = None,
    model: str = "",
) -> AnswerRecord | None:
    """Answer from the best sentences, or None when the best is not likely enough to hold
    the answer (the ranker's probability below its threshold chosen on ``train``)."""
    ranker = load_ranker().for_model(model)
    threshold = ranker.threshold if threshold is None else threshold
    if not picks or picks[0].score < threshold or picks[0].score <= 0.0:
        return None
    best = picks[0]
    chosen = [best]
    for pk in picks[1:4]:
        if len(chosen) >= 2 or info.wants_number or best.extra:
            break
        if pk.score < max(threshold, ranker.threshold) or pk.coverage < best.coverage - 0.05:
            continue
        if pk.sentence.text == best.sentence.text or pk.sentence in best.extra:
            continue
        if info.wants_number and not has_figure(pk.sentence.text):
            continue
        if passages[pk.sentence.passage].section != passages[best.sentence.passage].section:
            continue  # a second statement only from the same part of the report
        if weights is not None and not info.wants_list:
            gain = coverage(weights, best.sentence.text + " " + pk.sentence.text) - coverage(
                weights, best.sentence.text
            )
            if gain < 0.15:
                continue
        chosen.append(pk)
    cites: dict[int, int] = {}  # passage index -> citation number
    citations: list[Citation] = []
    lines: list[str] = []
    for i, pk in enumerate(chosen):
        pi = pk.sentence.passage
        p = passages[pi]
        if pi not in cites:
            cites[pi] = len(cites) + 1
            citations.append(citation_for(cites[pi], p))
        n = cites[pi]
        quote = [x.text for x in [pk.lead, pk.sentence, *pk.extra, *pk.notes] if x is not None]
        c = citations[n - 1]
        c.quote = (c.quote + " " if c.quote else "") + " ".join(quote)
        body = _strip_bullet(pk.sentence.text)
        if pk.lead is not None:
            body = f"{_end(_strip_bullet(pk.lead.text))}: {body}"
        lead = source_phrase(p) if i == 0 else "Ngoài ra"
        if pk.extra:
            items = "\n".join(f"- {_end(_strip_bullet(x.text))} [{n}]" for x in pk.extra)
            lines.append(f"{lead}, {_lower_first(body)} [{n}]\n{items}")
        else:
            lines.append(f"{lead}, {_lower_first(_end(body))} [{n}].")
        for note in pk.notes:
            lines.append(f"{_end(note.text)} [{n}].")
    answer = "\n\n".join(lines)
    direct = direct_line(info, best, weights, 1)
    return AnswerRecord(
        question=info.question,
        answer=f"{direct}\n\n{answer}" if direct else answer,
        citations=citations,
        mode="grounded",
        confidence=best.score,
        direct=direct,
    )


_CLAUSE_RE = re.compile(r"(?<=;)\s+|(?<=[,:])\s+(?=(?:trong đó|đạt|bằng|tăng|giảm|với|gồm)\b)")


def direct_line(info: QueryInfo, pk: Pick, weights: TermWeights | None, n: int) -> str:
    """One short line that answers: the clause of the quoted sentence that covers the
    question best (and holds a figure when a number is asked). Only the report's own
    words, so no figure appears that the citation does not hold; empty when the whole
    sentence is already short or no clause stands on its own."""
    text = _strip_bullet(pk.sentence.text)
    if pk.extra or len(text) < 140 or weights is None:
        return ""
    clauses = [c.strip(" ;,") for c in _CLAUSE_RE.split(text) if len(c.strip(" ;,")) >= 20]
    if len(clauses) < 2:
        return ""
    if info.wants_number:
        clauses = [c for c in clauses if has_figure(c)] or clauses
    best = max(
        clauses, key=lambda c: (coverage(weights, c, context=pk.lead.text if pk.lead else ""), -len(c))
    )
    lead = f"{_end(_strip_bullet(pk.lead.text))}: " if pk.lead is not None and len(pk.lead.text) < 90 else ""
    return f"{lead}{_end(best)} [{n}]."


def refusal(info: QueryInfo, covered: str, related: list[Passage], reason: str = "") -> AnswerRecord:
    msg = reason or "Các báo cáo hiện có không nêu thông tin này"
    text = f"{msg}. {covered}"
    rel = [citation_for(i + 1, p) for i, p in enumerate(related[:3])]
    if rel:
        text += "\n\nCác đoạn gần nhất (chỉ để tham khảo, không phải câu trả lời) được liệt kê bên dưới."
    return AnswerRecord(question=info.question, answer=text, refused=True, related=rel, mode="grounded")
