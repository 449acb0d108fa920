""" "Ai ký báo cáo …?": answered from the signature block, which ingest keeps as its own section
(``ingest.models.SIGNATURE_HEADING``), not through the sentence ranker — a fact of the document,
like its number and date."""

from __future__ import annotations

import re

from assistant.answer import source_phrase
from assistant.retrieval import passage_from
from assistant.types import AnswerRecord, Citation, citation_for
from baocao.vntext import canonical_tones, nfc
from ingest.models import SIGNATURE_HEADING, DocumentMeta
from vectorstore.index import Index

MAX_DOCUMENTS = 8  # a question naming no ward lists the signers of at most this many reports
# how the question is asked (also taught to the diacritics restorer, like the query cues)
SIGNER_CUES = ("ai ký", "người ký", "do ai ký", "ký báo cáo", "ký văn bản")
# matched on canonical spelling (``canonical_tones``: "ký" is written "kí" there)
_SIGNED_RE = re.compile(canonical_tones(r"(?<!đăng )\bký\b(?!\s+(?:kết|hợp đồng))"))
_WHO_RE = re.compile(canonical_tones(r"\b(?:ai|người nào|tên)\b|người ký"))


def is_signer_question(question: str) -> bool:
    """Who signed ("Ai ký báo cáo …?", "người ký là ai"), not "đăng ký", "ký kết" nor "kỳ"."""
    q = " ".join(canonical_tones(nfc(question)).lower().split())
    return bool(_SIGNED_RE.search(q)) and bool(_WHO_RE.search(q))


def signer_answer(index: Index, question: str, docs: list[DocumentMeta]) -> AnswerRecord | None:
    """The signature block of each report in scope, cited; None when none of them has one."""
    lines: list[str] = []
    cites: list[Citation] = []
    for d in sorted(docs, key=lambda d: (d.ward, d.date))[:MAX_DOCUMENTS]:
        chunks = index.section_chunks(d.doc_id, SIGNATURE_HEADING)
        if not chunks:
            continue
        p = passage_from(chunks[0])
        block = " ".join(p.text.split())
        cites.append(citation_for(len(cites) + 1, p, quote=block))
        lines.append(f"{source_phrase(p)}, người ký: {block} [{len(cites)}].")
    return document_record(question, lines, cites)


def document_record(question: str, lines: list[str], cites: list[Citation]) -> AnswerRecord | None:
    """The answer to a question about the documents themselves (signer, number, date): one cited
    line per document, read from the document rather than ranked; None when nothing is cited."""
    if not cites:
        return None
    return AnswerRecord(
        question=question,
        answer="\n".join(lines),
        citations=cites,
        mode="grounded",
        confidence=1.0,
        direct=lines[0] if len(lines) == 1 else "",
    )
