"""What the index derives from a parsed document beside its chunks: the sentence units
(embedded on their own for sentence-window retrieval) and the figures of the indicator table
(written by a document hook in the same write step)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from ingest.indicators import extract_parsed
from ingest.models import ParsedDocument
from ingest.sentences import unit_texts
from vectorstore.indicator_store import IndicatorStore
from vectorstore.ports import Unit


def unit_id(chunk_id: str, order: int, text: str) -> str:
    """A sentence unit's id: a hash of its chunk, place and text (so a store can read a chunk's
    units by primary key, from the chunk's text alone)."""
    return hashlib.sha256(f"{chunk_id}\x1f{order}\x1f{text}".encode()).hexdigest()[:32]


def chunk_unit_ids(chunk_id: str, text: str) -> list[str]:
    """The ids ``document_units`` gives the sentence units of a chunk with this text."""
    return [unit_id(chunk_id, i, t) for i, t in enumerate(unit_texts(text))]


def document_units(parsed: ParsedDocument) -> list[Unit]:
    """Every chunk's sentences, each embedded with its section's last heading for context."""
    out: list[Unit] = []
    for c in parsed.chunks:
        head = c.heading_path[-1] if c.heading_path else ""
        for i, text in enumerate(unit_texts(c.text)):
            uid = unit_id(c.id, i, text)
            embed = f"{head}: {text}" if head and len(text) < 400 else text
            out.append(Unit(uid, c.id, i, text, embed))
    return out


class IndicatorHook:
    """The indicator table (SQLite beside the index) as a document hook: a document's figures
    are written in its write step, before the commit point, and removed with it."""

    def __init__(self, store: Callable[[], IndicatorStore]) -> None:
        self.store = store

    def write_document(self, parsed: ParsedDocument) -> None:
        self.store().replace_document(parsed.metadata.doc_id, extract_parsed(parsed))

    def delete_document(self, doc_id: str) -> None:
        self.store().delete_document(doc_id)
