"""Conversation: turn a question typed mid-conversation into a standalone question.

A turn is read for its *structure*, not matched against phrase lists:

* its slots — wards it names (``còn bên Ngô Quyền``), years (own or relative: ``năm sau``,
  ``cùng kỳ``), a period (``6 tháng đầu năm``, ``quý II``), an anaphor (``chỉ tiêu đó``,
  ``trường này``), a continuation cue (``còn …``, ``thế …``, ``… thì sao``);
* its own topic — the content words left once slots, cues and question words are gone.

From that it is **social** (greeting/thanks: no topic, no slot), **complete** (own topic and
its own ward, or no history: starts fresh, inherits nothing), **elliptical** (a fragment with
no topic of its own, or an anaphor: the earlier question with the new slots put in), a
**topic switch** (a cue plus a new topic: the earlier ward/period, the new topic put in the
earlier question's place), or **contextual** (own topic, no ward: the earlier ward, and the
earlier topic words as low-weight retrieval context only). An explicit filter always wins
over a ward taken from context. The standalone question is rebuilt by substituting slots
in the earlier question, so it stays grammatical and keeps its unit word (xã/phường/thị trấn).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from assistant.query import content_positions
from assistant.slots import (
    LEAD,
    MEASURES,
    PREP,
    Slots,
    finditer,
    fold1,
    read_slots,
    strip_tail,
)
from assistant.social import is_social
from baocao.vntext import fold, nfc

KindOf = Callable[[str], str]


@dataclass
class Turn:
    """How a question was understood in its conversation."""

    question: str
    standalone: str
    kind: str  # social | complete | elliptical | switch | contextual
    wards: list[str] = field(default_factory=list)
    ward_from_context: bool = False
    context_tokens: list[str] = field(default_factory=list)  # earlier topic words, low weight

    @property
    def rewritten(self) -> bool:
        return self.standalone != self.question


def _ward_phrase(wards: Sequence[str], kind_of: KindOf) -> str:
    names = [f"{kind_of(w)} {w}".strip() for w in wards]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " và " + names[-1]


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([,?.])", r"\1", re.sub(r"\s+", " ", text)).strip(" ,")
    text = re.sub(r"[?.!…]+$", "", text).strip()
    return (text[:1].upper() + text[1:] + "?") if text else text


def _insert(text: str, slots: Slots, phrase: str) -> str:
    """Put a ward/year phrase where Vietnamese puts it: before a closing question clause,
    otherwise at the end ("… bao nhiêu vụ tai nạn giao thông ở phường X")."""
    body = strip_tail(text).rstrip(" ?.!")
    if slots.ask_start is not None and slots.ask_at_end and slots.ask_start > 0:
        head = body[: slots.ask_start].rstrip()
        if not phrase.startswith("năm"):
            # the place goes before a time phrase closing the subject ("… phường X năm 2023 đạt …"),
            # or after one opening the sentence ("Năm 2024 phường X phấn đấu …")
            m = re.search(r"(?<!kỳ\s)(?<!ky\s)(?<!với\s)(?<!voi\s)\b(?:năm|nam)\s+\d{4}\b", head, re.I)
            if m and m.start() > 0:
                return _join(head[: m.start()], phrase, head[m.start() :], body[slots.ask_start :])
            if m:
                return _join(head[: m.end()], phrase, head[m.end() :], body[slots.ask_start :])
        return _join(head, phrase, body[slots.ask_start :])
    joiner = " ở " if slots.ask_start is not None and not phrase.startswith("năm") else " "
    return body + joiner + phrase


def _join(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p.strip())


def _replace_span(text: str, span: tuple[int, int], new: str) -> str:
    return text[: span[0]] + new + text[span[1] :]


def _with_slots(base: str, known: Sequence[str], wards: Sequence[str], years: Sequence[int],
                period: str, same_period: bool, kind_of: KindOf) -> str:  # fmt: skip
    """``base`` (an earlier standalone question) with its ward/year/period slots replaced."""
    b = read_slots(base, known)
    out = base
    if wards and [fold(w).lower() for w in wards] != [fold(w).lower() for w in b.wards]:
        phrase = _ward_phrase(wards, kind_of)
        if b.ward_spans:
            spans = sorted(b.ward_spans)
            # keep the earlier preposition ("ở phường X" -> "ở phường Y")
            first = out[spans[0][0] : spans[0][1]]
            prep = re.match(rf"{PREP}\s+", first, re.IGNORECASE) or re.match(
                fold(PREP) + r"\s+", fold1(first)
            )
            lead = first[: prep.end()] if prep else ""
            for sp in reversed(spans[1:]):
                out = _replace_span(out, sp, "")
            out = _replace_span(out, spans[0], lead + phrase)
        else:
            out = _insert(out, b, phrase)
        b = read_slots(out, known)
    if years:
        if b.years:
            out = re.sub(str(b.years[0]), str(years[0]), out, count=1)
            for y in b.years[1:]:
                out = re.sub(rf"(?:năm\s+)?{y}", "", out)
        else:
            out = _insert(out, b, f"năm {years[0]}")
        b = read_slots(out, known)
    if period:
        out = out.replace(b.period, period, 1) if b.period else _insert(out, b, period)
        b = read_slots(out, known)
    if same_period and b.years:
        out = strip_tail(out).rstrip(" ?.!") + f" so với cùng kỳ năm {b.years[0] - 1}"
    return _tidy(out)


_PLAN_WORDS = {"kế hoạch", "mục tiêu", "dự kiến", "thực hiện", "kết quả", "ước tính", "ước thực hiện"}


def _plan_only(cur: Slots) -> str:
    """A fragment whose only topic words say which kind of figure ("Còn kế hoạch năm 2024?")."""
    topic = " ".join(cur.topic.lower().split())
    return topic if topic in _PLAN_WORDS or fold1(topic) in {fold1(w) for w in _PLAN_WORDS} else ""


def _elliptical(
    base: str, known: Sequence[str], cur: Slots, wards: Sequence[str], years: Sequence[int], kind_of: KindOf
) -> str:
    """The earlier question with this fragment's slots; its comparison, figure kind and own
    question clause added where the earlier question has none."""
    out = _with_slots(base, known, wards, years, cur.period, cur.same_period, kind_of)
    b = read_slots(out, known)
    body = strip_tail(out).rstrip(" ?.!")
    plan = _plan_only(cur)
    if plan and fold1(plan) not in fold1(body):
        body = _insert(body, b, f"theo {plan}").rstrip(" ?.!")
    if cur.baseline and fold1(cur.baseline) not in fold1(body):
        body += " " + cur.baseline[:1].lower() + cur.baseline[1:]
    if b.ask_start is None and cur.ask_start is not None:
        # its question words, without a verb of the fragment's own ("phấn đấu bao nhiêu" -> "bao nhiêu")
        words = [m for m in finditer("interrog", cur.text) if m.start() >= cur.ask_start]
        start = words[0].start() if words else cur.ask_start
        body += " " + strip_tail(cur.text[start:]).rstrip(" ?.!")
    return _tidy(body)


def _switch_topic(base: str, known: Sequence[str], new_topic: str) -> str:
    """The earlier question about a new topic: the run starting with the new topic's head word
    is replaced ("hộ nghèo" -> "hộ cận nghèo"), else the principal run, keeping its measure noun."""
    b = read_slots(base, known)
    head = fold1(new_topic.split()[0]) if new_topic.split() else ""
    for s, e in b.topic_runs:
        words = list(re.finditer(r"\S+", base[s:e]))
        for w in words:
            if fold1(w.group(0)) == head:
                return _tidy(base[: s + w.start()] + new_topic + base[e:])
    main = b.principal()
    if main is None:
        return ""
    s, e = main
    run = base[s:e]
    low_topic = fold1(new_topic)
    # a short common noun after "tỷ lệ"/"chỉ tiêu" reads as the same measure ("Còn tiêm chủng?");
    # a longer topic or a name ("thu ngân sách", "trường THCS") is a figure of its own
    short_common = len(new_topic.split()) <= 2 and all(w.islower() for w in new_topic.split())
    for m in sorted(MEASURES, key=len, reverse=True):
        if (
            short_common
            and fold1(run).startswith(fold1(m) + " ")
            and not any(low_topic.startswith(fold1(x)) for x in MEASURES)
        ):
            s += len(m) + 1
            break
    # right after "bao nhiêu"/"mấy" the first noun counts the rest ("bao nhiêu vụ tai nạn"): keep it
    counted = any(m.end() <= s and not base[m.end() : s].strip() for m in finditer("interrog", base))
    if counted and len(base[s:e].split()) > 1 and fold1(base[s:e].split()[0]) != head:
        s += len(base[s:e].split()[0]) + 1
    first = new_topic.split()[0] if new_topic.split() else ""
    if s > 0 and first[:1].isupper() and first[1:].islower():
        new_topic = new_topic[:1].lower() + new_topic[1:]  # typed at the start of the fragment
    replaced = base[:s] + (new_topic if s > 0 else new_topic[:1].upper() + new_topic[1:]) + base[e:]
    return _tidy(replaced)


def _earlier(
    history: Sequence[str], known: Sequence[str], filter_wards: Sequence[str], kind_of: KindOf
) -> Turn | None:
    """The last non-social turn of ``history``, itself resolved against what came before."""
    for i in range(len(history) - 1, -1, -1):
        if not is_social(history[i]):
            return understand(history[i], history[:i], known, filter_wards=filter_wards, kind_of=kind_of)
    return None


def understand(
    question: str,
    history: Sequence[str],
    known_wards: Iterable[str],
    *,
    filter_wards: Sequence[str] = (),
    kind_of: KindOf | None = None,
) -> Turn:
    """Classify ``question`` in its conversation and rewrite it as a standalone question."""
    known = list(known_wards)
    kind = kind_of or (lambda w: "phường")
    q = nfc(question).strip()
    if is_social(q):
        return Turn(q, q, "social")
    cur = read_slots(q, known)
    prev = _earlier(history, known, filter_wards, kind) if history else None
    if prev is None or prev.kind == "social":
        return Turn(q, q, "complete", wards=list(cur.wards))
    p = read_slots(prev.standalone, known)
    ctx_wards = list(filter_wards) or p.wards
    wards = cur.wards or ctx_wards
    from_ctx = not cur.wards and bool(wards)
    years = cur.years or ([p.years[0] + cur.relative] if cur.relative and p.years else [])
    base = prev.standalone

    if cur.anaphor is not None:
        s, e, noun = cur.anaphor
        ref = _referent(p, noun)
        rest_runs = [r for r in cur.topic_runs if not (s <= r[0] < e)]
        if not rest_runs or ref is None:
            # "Còn chỉ tiêu đó ở Ngô Quyền?": the earlier question with the new slots
            std = _elliptical(base, known, cur, wards, years, kind)
            return Turn(q, std, "elliptical", wards, from_ctx)
        # "Trường đó có bao nhiêu giáo viên?": the referent named again, the context added
        text = _replace_span(q, (s, e), ref)
        text = re.sub(LEAD, "", text, flags=re.IGNORECASE)
        std = _add_context(text, known, wards if not cur.wards else [], years if not cur.years else [], kind)
        return Turn(q, std, "elliptical", wards, from_ctx)
    if not cur.has_topic or _plan_only(cur):
        std = _elliptical(base, known, cur, wards, years, kind)
        return Turn(q, std, "elliptical", wards, from_ctx)
    if cur.cue and cur.ask_start is None:
        # "Thế còn chi ngân sách?": the earlier question about the new topic
        std = _switch_topic(base, known, cur.topic) or q
        std = _with_slots(std, known, wards, years, cur.period, cur.same_period, kind)
        return Turn(q, std, "switch", wards, from_ctx)
    if cur.wards or (list(filter_wards) and not cur.cue):
        # its own ward, or the filter's: nothing from the conversation
        return Turn(q, q, "complete", wards=list(cur.wards or filter_wards))
    # own topic, no ward: the earlier ward and, as low-weight context, the earlier topic words
    body = re.sub(LEAD, "", q, flags=re.IGNORECASE) if cur.cue else q
    std = _add_context(body, known, wards, [], kind)
    if cur.years or cur.period or cur.relative:
        # anchored in time with a topic of its own: a fresh question in the same place
        return Turn(q, std, "complete", wards, from_ctx)
    own = {t for _, t in content_positions(q)}
    ctx = [t for _, t in content_positions(base) if t not in own and not _is_ward_token(t, p.wards)]
    return Turn(q, std, "contextual", wards, from_ctx, context_tokens=list(dict.fromkeys(ctx)))


def _is_ward_token(token: str, wards: Sequence[str]) -> bool:
    return any(fold(token) in fold(w).lower().split() for w in wards)


def _referent(p: Slots, noun: str) -> str | None:
    """What "trường đó"/"chỉ tiêu này" points at in the earlier question: the run holding
    the noun's head word (from that word on), else the earlier topic."""
    head = fold1(noun.split()[0])
    for s, e in p.topic_runs:
        words = list(re.finditer(r"\S+", p.text[s:e]))
        for w in words:
            if fold1(w.group(0)) == head:
                return p.text[s + w.start() : e]
    main = p.principal()
    return p.text[main[0] : main[1]] if main else None


def _add_context(
    text: str, known: Sequence[str], wards: Sequence[str], years: Sequence[int], kind_of: KindOf
) -> str:
    s = read_slots(text, known)
    out = text
    if wards and not s.wards:
        out = _insert(out, s, _ward_phrase(wards, kind_of))
        s = read_slots(out, known)
    if years and not s.years:
        out = _insert(out, s, f"năm {years[0]}")
    return _tidy(out)


def resolve(question: str, history: list[str], known_wards: Iterable[str]) -> str:
    """The standalone question (kept for callers that only need the text)."""
    return understand(question, history, known_wards).standalone
