"""Grounded extractive answers: pick the sentences of the retrieved passages that answer
the question and compose a short Vietnamese answer around them, every statement
cited. Figures are never produced here — they are copied with the sentence that
holds them — so an answer cannot contain a number its citation does not."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.figures import asked_units as question_units
from assistant.figures import figure_of_asked_unit, has_figure, rate_subject
from assistant.glossary import expand_text
from assistant.query import QueryInfo
from assistant.sentences import Sentence, TermWeights, coverage, split_sentences
from assistant.types import AnswerRecord, Citation, Passage, citation_for
from baocao.vntext import fold, has_diacritics, tokenize
from ingest.models import SIGNATURE_HEADING
from vectorstore.ports import TermStats

# Below this share of the question's weighted terms, the passages do not answer it.
MIN_COVERAGE = 0.5
LIST_MAX = 8


@dataclass
class Pick:
    sentence: Sentence
    score: float
    coverage: float
    extra: list[Sentence] = field(default_factory=list)  # list items following a "…:" lead
    lead: Sentence | None = None  # the sentence before, when it names what this one is about
    notes: list[Sentence] = field(default_factory=list)  # footnotes the sentence references
    asked_units: set[str] = field(default_factory=set)  # "bao nhiêu hộ" -> {"ho"}


_FOOTNOTE_REF_RE = re.compile(r"(?<=[\w.;,)%])\((\d{1,2})\)")
_FOOTNOTE_TEXT_RE = re.compile(r"^\s*Chú thích \((\d{1,2})\):")
_CONTEXT_SENTENCES = 3


CONTEXT_WEIGHT = 0.3
# Words a section answers to although its text does not say them.
SECTION_HINTS = {SIGNATURE_HEADING: "người ký ký tên ai ký văn bản báo cáo kế hoạch"}


def term_weights(info: QueryInfo, lex: TermStats) -> TermWeights:
    """Group the question's syllables into words the corpus knows, weigh each by idf."""

    accented = has_diacritics(info.question)  # a careful typist: "thu" means thu, not thú/thủ

    def idf(t: str) -> float:
        return max(lex.idf(t) if accented or has_diacritics(t) else lex.idf("~" + fold(t)), 0.1)

    def assoc(a: str, b: str) -> float:
        """How much two adjacent syllables behave as one word in the corpus."""
        if accented or has_diacritics(a) or has_diacritics(b):
            both, da, db = lex.df(f"{a}_{b}"), lex.df(a), lex.df(b)
        else:
            both, da, db = lex.df(f"~{fold(a)}_{fold(b)}"), lex.df("~" + fold(a)), lex.df("~" + fold(b))
        return both / max(1, min(da, db)) if both else 0.0

    toks, pos = info.content_tokens, info.positions
    n = len(toks)
    # best segmentation into words (pairs of strongly associated adjacent syllables)
    best = [0.0] * (n + 1)
    choice = [1] * (n + 1)
    for i in range(n - 1, -1, -1):
        best[i], choice[i] = best[i + 1], 1
        if i + 1 < n and pos[i + 1] == pos[i] + 1:
            a = assoc(toks[i], toks[i + 1])
            if a >= 0.05 and a + best[i + 2] > best[i]:
                best[i], choice[i] = a + best[i + 2], 2
    units: list[tuple[tuple[str, ...], float]] = []
    i = 0
    while i < n:
        if choice[i] == 2:
            units.append(((toks[i], toks[i + 1]), idf(toks[i]) + idf(toks[i + 1])))
        else:
            units.append(((toks[i],), idf(toks[i])))
        i += choice[i]
    seen = {t for u, _ in units for t in u}
    # a short elliptical question leans on the earlier topic more
    ctx_weight = CONTEXT_WEIGHT if len(units) > 2 else 2 * CONTEXT_WEIGHT
    for t in info.context_tokens:
        if t not in seen:
            units.append(((t,), ctx_weight * idf(t)))
            seen.add(t)
    return TermWeights(units)


_YEAR_RE = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def _year_hint(info: QueryInfo, passage: Passage, sent: Sentence) -> float:
    """Prefer the part of the report about the asked year (results 2023 vs plan 2024)."""
    if not info.years:
        return 0.0
    asked = {str(y) for y in info.years}
    sec_years = set(_YEAR_RE.findall(passage.section))
    bonus = 0.0
    if sec_years & asked:
        bonus += 0.2
    elif sec_years:
        bonus -= 0.12
    if asked & set(_YEAR_RE.findall(sent.text)):
        bonus += 0.05
    return bonus


_ITEM_RE = re.compile(r"^\s*(?:[-+•*–]|\d{1,2}[.)]|[a-zđ][.)])\s+")


def _list_continuation(sents: list[Sentence], si: int) -> list[Sentence]:
    """For a list question: the clauses/items that continue sentence ``si``."""
    s = sents[si]
    out = [x for x in sents[si + 1 : si + 1 + LIST_MAX] if x.group == s.group]  # rest of a split sentence
    if out:
        return out
    if is_heading_line(s) or _ITEM_RE.match(s.text):
        for x in sents[si + 1 : si + 1 + LIST_MAX]:
            if is_heading_line(x) and not _ITEM_RE.match(x.text) and out:
                break
            out.append(x)
    return out


def is_heading_line(s: Sentence) -> bool:
    t = s.text.strip()
    return len(t) < 110 and not t.endswith((".", ";")) and not _FOOTNOTE_TEXT_RE.match(t)


def _footnotes(sents: list[Sentence]) -> tuple[dict[str, Sentence], dict[str, Sentence]]:
    """Footnote sentences by number, and the sentence referencing each footnote."""
    notes = {m.group(1): x for x in sents if (m := _FOOTNOTE_TEXT_RE.match(x.text))}
    refs: dict[str, Sentence] = {}
    for x in sents:
        if not _FOOTNOTE_TEXT_RE.match(x.text):
            for n in _FOOTNOTE_REF_RE.findall(x.text):
                refs.setdefault(n, x)
    return notes, refs


# Units that count the same thing under other words (folded syllables).
def score_sentences(info: QueryInfo, weights: TermWeights, passages: list[Passage]) -> list[Pick]:
    picks: list[Pick] = []
    asked_units = question_units(info)
    for pi, p in enumerate(passages):
        sents = split_sentences(p.text, pi)
        if p.section in SECTION_HINTS:  # e.g. the signature block reads as one statement
            sents = [Sentence(" ".join(x.text for x in sents), pi, 0)] if sents else []
        notes, refs = _footnotes(sents)
        for si, s in enumerate(sents):
            fn = _FOOTNOTE_TEXT_RE.match(s.text)
            own_notes = [] if fn else [notes[n] for n in _FOOTNOTE_REF_RE.findall(s.text) if n in notes]
            prev = [
                x for x in sents[max(0, si - _CONTEXT_SENTENCES) : si] if not _FOOTNOTE_TEXT_RE.match(x.text)
            ]
            heads = [x for x in sents[:si] if is_heading_line(x)]
            para_lead = next((x for x in sents[:si] if x.para == s.para), None)
            for extra_ctx in (para_lead, heads[-1] if heads else None):
                if extra_ctx is not None and extra_ctx not in prev:
                    prev.insert(0, extra_ctx)
            if fn and fn.group(1) in refs:
                prev = [refs[fn.group(1)]]
            near = [x for x in (para_lead, heads[-1] if heads else None) if x is not None]
            context = " ".join([p.section, *(x.text for x in prev if x not in near)])
            body = expand_text(" ".join([s.text, *(x.text for x in own_notes)]))
            own = coverage(weights, body)
            cov = max(
                coverage(weights, body, context=context),
                coverage(weights, body, context=" ".join(x.text for x in near), context_factor=0.85),
            )
            if p.section in SECTION_HINTS and any(t in SECTION_HINTS[p.section] for t in info.content_tokens):
                cov = max(cov, coverage(weights, body, context=SECTION_HINTS[p.section], context_factor=0.9))
            score = cov + 0.04 / (pi + 1) + _year_hint(info, p, s)
            if s.text.lower().startswith(("trên đây là", "trên đây là")):
                score -= 0.3  # the report's closing formula answers nothing
            if has_figure(body):
                score += 0.05
                if asked_units and figure_of_asked_unit(body, asked_units):
                    score += 0.15  # "1798 học sinh" for "bao nhiêu học sinh"
            if info.wants_number:
                score += 0.12 if has_figure(body) else -0.25
            if info.wants_percent and "%" not in s.text:
                score -= 0.3
            score -= 0.00015 * max(0, len(s.text) - 200)
            if info.wants_list and s.ends_with_colon:
                score += 0.1
            if len(s.text) < 25:
                score -= 0.2
            pk = Pick(s, score, cov, notes=own_notes, asked_units=asked_units)
            if (info.wants_list or is_heading_line(s)) and not s.ends_with_colon:
                pk.extra = _list_continuation(sents, si)
            if prev and own < cov - 0.2:
                # name what the sentence is about: the nearest short lead that adds the missing terms
                for cand in reversed(prev):
                    if len(cand.text) < 160 and coverage(weights, f"{cand.text} {body}") > own + 0.1:
                        pk.lead = cand
                        break
            if s.ends_with_colon:
                following = sents[si + 1 : si + 1 + LIST_MAX]
                bullets = [x for x in following if x.is_bullet]
                pk.extra = bullets or following
                if pk.extra:
                    pk.coverage = max(
                        cov, coverage(weights, " ".join(x.text for x in [s, *pk.extra]), p.section)
                    )
            itemish = bool(_ITEM_RE.match(s.text))
            if (
                (info.wants_list or itemish)
                and pk.lead is not None
                and is_heading_line(pk.lead)
                and not pk.extra
            ):
                # "Khuyết điểm, hạn chế là gì?": answer with the heading's items, not one item
                head = pk.lead
                pk = Pick(head, score, cov, notes=own_notes, asked_units=asked_units)
                pk.extra = _list_continuation(sents, head.order)
            picks.append(pk)
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
    info: QueryInfo, picks: list[Pick], passages: list[Passage], weights: TermWeights | None = None
) -> AnswerRecord | None:
    """Answer from the best sentences, or None when nothing covers the question."""
    if not picks or picks[0].coverage < MIN_COVERAGE:
        return None
    best = picks[0]
    p0 = passages[best.sentence.passage]
    hay = " " + " ".join(fold(t) for t in tokenize(f"{p0.section} {p0.text}")) + " "
    quoted_all = " ".join(
        x.text for x in [best.lead, best.sentence, *best.extra, *best.notes] if x is not None
    )
    subject = rate_subject(info)
    if subject and not subject <= {fold(t) for t in tokenize(quoted_all)}:
        return None  # "tỷ lệ hộ nghèo" answered by some other rate
    for name in info.names:  # "Trường Mầm non Bình Minh": a name the passage never mentions
        if " " + " ".join(fold(t) for t in tokenize(name)) + " " not in hay:
            return None
    if info.wants_number and picks[0].asked_units:
        quoted = " ".join(
            x.text for x in [best.lead, best.sentence, *best.extra, *best.notes] if x is not None
        )
        if not figure_of_asked_unit(quoted, best.asked_units):
            return None  # "bao nhiêu bác sĩ" answered by a sentence that counts no doctors
    chosen = [best]
    for pk in picks[1:4]:
        if len(chosen) >= 2 or info.wants_number or best.extra:
            break
        if pk.coverage < max(MIN_COVERAGE, best.coverage - 0.05) or pk.score < best.score - 0.1:
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
    return AnswerRecord(question=info.question, answer=answer, citations=citations, mode="grounded")


def refusal(info: QueryInfo, covered: str, related: list[Passage], reason: str = "") -> AnswerRecord:
    msg = reason or "Các báo cáo hiện có không nêu thông tin này"
    text = f"{msg}. {covered}"
    rel = [citation_for(i + 1, p) for i, p in enumerate(related[:3])]
    if rel:
        text += "\n\nCác đoạn gần nhất (chỉ để tham khảo, không phải câu trả lời) được liệt kê bên dưới."
    return AnswerRecord(question=info.question, answer=text, refused=True, related=rel, mode="grounded")
