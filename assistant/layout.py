"""A passage laid out for answer selection: its sentences, and for each sentence the parts
that do not depend on the question — the context it is read with (paragraph lead, last
heading, the sentences before it), its footnotes, the list items it opens, whether it holds
a figure. Chunks recur across questions, so the layout is computed once per chunk text and
kept (``passage_layout``); only the question-dependent scoring runs for every question."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from assistant.figures import has_figure
from assistant.glossary import expand_text
from assistant.sentences import Sentence, split_sentences
from baocao.vntext import fold, tokenize
from ingest.models import SIGNATURE_HEADING

LIST_MAX = 8
CONTEXT_SENTENCES = 3
FOOTNOTE_REF_RE = re.compile(r"(?<=[\w.;,)%])\((\d{1,2})\)")
FOOTNOTE_TEXT_RE = re.compile(r"^\s*Chú thích \((\d{1,2})\):")
ITEM_RE = re.compile(r"^\s*(?:[-+•*–]|\d{1,2}[.)]|[a-zđ][.)])\s+")
# Words a section answers to although its text does not say them.
SECTION_HINTS = {SIGNATURE_HEADING: "người ký ký tên ai ký văn bản báo cáo kế hoạch"}


def is_heading_line(s: Sentence) -> bool:
    t = s.text.strip()
    return len(t) < 110 and not t.endswith((".", ";")) and not FOOTNOTE_TEXT_RE.match(t)


def list_continuation(sents: list[Sentence], si: int) -> list[Sentence]:
    """For a list question: the clauses/items that continue sentence ``si``."""
    s = sents[si]
    out = [x for x in sents[si + 1 : si + 1 + LIST_MAX] if x.group == s.group]  # rest of a split sentence
    if out:
        return out
    if is_heading_line(s) or ITEM_RE.match(s.text):
        for x in sents[si + 1 : si + 1 + LIST_MAX]:
            if is_heading_line(x) and not ITEM_RE.match(x.text) and out:
                break
            out.append(x)
    return out


def footnotes(sents: list[Sentence]) -> tuple[dict[str, Sentence], dict[str, Sentence]]:
    """Footnote sentences by number, and the sentence referencing each footnote."""
    notes = {m.group(1): x for x in sents if (m := FOOTNOTE_TEXT_RE.match(x.text))}
    refs: dict[str, Sentence] = {}
    for x in sents:
        if not FOOTNOTE_TEXT_RE.match(x.text):
            for n in FOOTNOTE_REF_RE.findall(x.text):
                refs.setdefault(n, x)
    return notes, refs


@dataclass(frozen=True)
class Slot:
    """One sentence's question-independent parts (sentences as indices into ``Layout.sents``)."""

    own_notes: tuple[int, ...]  # footnotes the sentence references
    prev: tuple[int, ...]  # the sentences it is read after (lead candidates), nearest last
    near: tuple[int, ...]  # its paragraph lead and last heading
    context: str  # section + the earlier sentences that are not ``near``
    near_text: str
    body: str  # the sentence and its footnotes, abbreviations spelled out
    figure: bool
    heading: bool
    item: bool  # a list item ("- …", "2.", "a)")
    continuation: tuple[int, ...]  # the items/clauses that continue it
    following: tuple[int, ...]  # after a "…:" lead: its bullets, else the next sentences


@dataclass(frozen=True)
class Layout:
    sents: tuple[Sentence, ...]
    slots: tuple[Slot, ...]
    hay: str  # the section and text as folded tokens, space-delimited (name lookups)

    def at(self, passage: int) -> tuple[Sentence, ...]:
        """The sentences labelled with the passage's position in this answer's passage list."""
        if passage == 0:
            return self.sents
        return tuple(replace(s, passage=passage) for s in self.sents)


def passage_layout(section: str, text: str) -> Layout:
    return _layout(section, text)


@lru_cache(maxsize=4096)
def _layout(section: str, text: str) -> Layout:
    sents = split_sentences(text, 0)
    if section in SECTION_HINTS and sents:  # e.g. the signature block reads as one statement
        sents = [Sentence(" ".join(x.text for x in sents), 0, 0)]
    notes, refs = footnotes(sents)
    slots = []
    for si, s in enumerate(sents):
        fn = FOOTNOTE_TEXT_RE.match(s.text)
        own_notes = [] if fn else [notes[n] for n in FOOTNOTE_REF_RE.findall(s.text) if n in notes]
        prev = [x for x in sents[max(0, si - CONTEXT_SENTENCES) : si] if not FOOTNOTE_TEXT_RE.match(x.text)]
        heads = [x for x in sents[:si] if is_heading_line(x)]
        para_lead = next((x for x in sents[:si] if x.para == s.para), None)
        for extra_ctx in (para_lead, heads[-1] if heads else None):
            if extra_ctx is not None and extra_ctx not in prev:
                prev.insert(0, extra_ctx)
        if fn and fn.group(1) in refs:
            prev = [refs[fn.group(1)]]
        near = [x for x in (para_lead, heads[-1] if heads else None) if x is not None]
        body = expand_text(" ".join([s.text, *(x.text for x in own_notes)]))
        following = sents[si + 1 : si + 1 + LIST_MAX] if s.ends_with_colon else []
        bullets = [x for x in following if x.is_bullet]
        slots.append(
            Slot(
                own_notes=tuple(x.order for x in own_notes),
                prev=tuple(x.order for x in prev),
                near=tuple(x.order for x in near),
                context=" ".join([section, *(x.text for x in prev if x not in near)]),
                near_text=" ".join(x.text for x in near),
                body=body,
                figure=has_figure(body),
                heading=is_heading_line(s),
                item=bool(ITEM_RE.match(s.text)),
                continuation=tuple(x.order for x in list_continuation(sents, si)),
                following=tuple(x.order for x in (bullets or following)),
            )
        )
    hay = " " + " ".join(fold(t) for t in tokenize(f"{section} {text}")) + " "
    return Layout(tuple(sents), tuple(slots), hay)
