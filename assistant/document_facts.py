"""Questions about a report itself: its number ("Báo cáo của phường Ngô Quyền mang số hiệu gì?")
and when it was issued ("Kế hoạch năm 2024 ban hành ngày nào?", "đề ngày nào", "ký hôm nào").

Ingest reads them from the letterhead into the document's metadata (``DocumentMeta.doc_number``,
``date``); no passage of the text holds them, so the sentence ranker can never find them. Like the
signer (``assistant.signers``), they are facts of the document: answered from the metadata, citing
the document's opening passage (the citation record carries the number and date)."""

from __future__ import annotations

import re

from assistant.answer import source_phrase
from assistant.retrieval import passage_from
from assistant.signers import document_record
from assistant.types import AnswerRecord, Citation, citation_for
from baocao.vntext import canonical_tones, nfc
from ingest.models import DocumentMeta
from vectorstore.index import Index

MAX_DOCUMENTS = 8
# how the question is asked (taught to the diacritics restorer, like the query cues)
DOCUMENT_FACT_CUES = (
    "số hiệu",
    "số mấy",
    "ban hành ngày nào",
    "ban hành hôm nào",
    "ký ngày nào",
    "đề ngày nào",
)
# the question is about a document: the nearest document noun before the asked fact is the report
# itself ("báo cáo", "kế hoạch", "văn bản này"), not a document it cites ("giấy chỉ đạo số mấy",
# "công văn số mấy"); with none before it, the first after it ("Số hiệu báo cáo …?")
_SELF_NOUNS = ("báo cáo", "kế hoạch", "văn bản", "tờ trình", "bản")
_OTHER_NOUNS = (
    "công văn",
    "quyết định",
    "nghị quyết",
    "chỉ thị",
    "thông báo",
    "giấy",
    "đề án",
    "chương trình",
)
_SELF = {canonical_tones(n) for n in _SELF_NOUNS}
_NOUN_RE = re.compile(r"\b(" + "|".join(canonical_tones(n) for n in _SELF_NOUNS + _OTHER_NOUNS) + r")\b")
# …its number…
# ("số mấy" asks for a number only when no counted noun follows: "tổng số bao nhiêu hộ" is a count)
_NUMBER_RE = re.compile(
    canonical_tones(
        r"\bsố hiệu\b|\bký hiệu\b|\bmang số\b"
        r"|(?<!tổng )\bsố (?:mấy|bao nhiêu|gì)\b(?=\s*(?:$|[?.,;!]|(?:vậy|thế|nhỉ|ạ|và|của|là|ngày)\b))"
    )
)
# …or when it was issued
_DATE_RE = re.compile(
    canonical_tones(
        r"\b(?:ban hành|ký|đề|lập|làm|ra)\s+(?:vào\s+)?(?:ngày|hôm|lúc|khi)\s+(?:nào|mấy|bao giờ)\b"
        r"|\b(?:ban hành|ký|đề|lập)\s+(?:khi nào|bao giờ|hôm nào|ngày nào|ngày mấy)\b"
        r"|\bngày (?:ban hành|ký)\b"
    )
)


def asked_fact(question: str) -> str | None:
    """ "number", "date" or None: whether the question asks for the document's number or date."""
    q = " ".join(canonical_tones(nfc(question)).lower().split())
    for fact, cue in (("number", _NUMBER_RE), ("date", _DATE_RE)):
        m = cue.search(q)
        if m is None:
            continue
        before = [n.group(1) for n in _NOUN_RE.finditer(q, 0, m.start())]
        after = [n.group(1) for n in _NOUN_RE.finditer(q, m.end())]  # "Số hiệu báo cáo …?"
        noun = before[-1] if before else (after[0] if after else "")
        return fact if noun in _SELF else None
    return None


def _spoken_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"ngày {int(d)} tháng {int(m)} năm {y} ({int(d):02d}/{int(m):02d}/{y})"


def document_fact_answer(
    index: Index, question: str, docs: list[DocumentMeta], fact: str
) -> AnswerRecord | None:
    """The number and date of each report in scope, cited; None when none of them states the
    asked fact (the question then goes the usual way)."""
    q = canonical_tones(nfc(question)).lower()
    # "Kế hoạch … ban hành ngày nào?" over a ward's report and plan: the plan
    named = [d for d in docs if d.doc_type and canonical_tones(d.doc_type).lower() in q]
    docs = named or docs
    if not any(d.doc_number if fact == "number" else d.date for d in docs):
        return None
    lines: list[str] = []
    cites: list[Citation] = []
    for d in sorted(docs, key=lambda d: (d.ward, d.date))[:MAX_DOCUMENTS]:
        head = index.chunk_at(d.doc_id, 0)
        if head is None:
            continue
        p = passage_from(head)
        facts = [
            f"số hiệu {d.doc_number}" if d.doc_number else "không ghi số hiệu",
            f"ban hành {_spoken_date(d.date)}" if d.date else "không ghi ngày ban hành",
        ]
        title = p.text.strip().splitlines()[0] if p.text.strip() else ""
        cites.append(citation_for(len(cites) + 1, p, quote=title))
        lines.append(f"{source_phrase(p)}: {', '.join(facts)} [{len(cites)}].")
    return document_record(question, lines, cites)
