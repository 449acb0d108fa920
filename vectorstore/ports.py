"""The seams of the product, as ``typing.Protocol``s.

* ``ChunkStore`` — what the assistant, the UI and the ingest service need from the index:
  atomic document writes and removals, dense and lexical search restricted to documents,
  get by id, a document's chunks, the document records and the term statistics.
  ``vectorstore.index.Index`` implements it over any ``Engine``.
* ``Engine`` — one storage engine (Chroma, Milvus). The write protocol (commit marker,
  recovery, versions, the writer lock) lives in ``Index``, once; an engine only stores
  and searches, and keeps its own metadata encoding (flattening) to itself.
* ``TermStats`` — document frequencies the answerer weighs question words with.
* ``DocumentHook`` — derived per-document data written in the document's write step.
(The assistant's own two halves, ``Retriever`` and ``Generator``, are in ``assistant/ports.py``.)

The records crossing these seams (``StoredChunk``, ``AddResult``) are plain typed values:
nothing outside an engine sees how it encodes metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ingest.models import Chunk, DocumentMeta, ParsedDocument


@dataclass
class StoredChunk:
    """A chunk as stored: text, its citation address and (from a search) its distance."""

    chunk_id: str
    text: str
    doc_id: str = ""
    ward: str = ""
    ward_kind: str = "phường"
    doc_type: str = ""
    doc_number: str = ""
    date: str = ""
    title: str = ""
    years: list[int] = field(default_factory=list)
    source: str = ""
    section: str = ""
    page: int | None = None
    position: int = 0
    ocr: bool = False
    issuer: str = ""
    area_level: str = ""
    distance: float | None = None

    @classmethod
    def of(cls, chunk: Chunk, doc: DocumentMeta, distance: float | None = None) -> StoredChunk:
        return cls(
            chunk_id=chunk.id,
            text=chunk.text,
            doc_id=doc.doc_id,
            ward=doc.ward,
            ward_kind=doc.ward_kind,
            doc_type=doc.doc_type,
            doc_number=doc.doc_number,
            date=doc.date,
            title=doc.title,
            years=list(doc.years),
            source=doc.source,
            section=" > ".join(chunk.heading_path),
            page=chunk.page,
            position=chunk.position,
            ocr=chunk.ocr,
            issuer=doc.issuer,
            area_level=doc.area_level,
            distance=distance,
        )

    @property
    def metadata(self) -> dict[str, Any]:
        """The citation address as a dict (typed values: ``years`` a list, ``page`` may be None)."""
        return {
            "doc_id": self.doc_id,
            "ward": self.ward,
            "ward_kind": self.ward_kind,
            "doc_type": self.doc_type,
            "doc_number": self.doc_number,
            "date": self.date,
            "title": self.title,
            "years": list(self.years),
            "source": self.source,
            "section": self.section,
            "page": self.page,
            "position": self.position,
            "ocr": self.ocr,
            "issuer": self.issuer,
            "area_level": self.area_level,
        }


@dataclass
class Unit:
    """One sentence (or list item) of a chunk, embedded on its own; ``parent`` is the chunk id."""

    id: str
    parent: str
    order: int
    text: str
    embed_text: str


@dataclass
class UnitHit:
    """A sentence unit found by dense search; ``parent`` is the chunk it belongs to."""

    unit_id: str
    parent: str
    text: str
    order: int
    distance: float
    doc_id: str = ""


@dataclass
class AddResult:
    status: str  # added | unchanged | replaced
    doc_id: str
    source: str
    chunks: int
    replaced: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class DocumentHook(Protocol):
    """Derived per-document data (e.g. the indicator table) kept in step with the index:
    ``write_document`` runs in the document's write step, before its commit point, and
    ``delete_document`` whenever the index drops the document (removal, new version, recovery)."""

    def write_document(self, parsed: ParsedDocument) -> None: ...

    def delete_document(self, doc_id: str) -> None: ...


@runtime_checkable
class TermStats(Protocol):
    """Document frequencies over the committed chunks (lexical tokens, see ``lexical_tokens``)."""

    def df(self, token: str) -> int: ...

    def idf(self, token: str) -> float: ...

    def prefetch(self, tokens: Sequence[str]) -> None:
        """Counts of these tokens are about to be asked: fetch them in one request (stores that
        answer ``df`` from memory do nothing)."""
        ...


class LexicalSide(Protocol):
    """The lexical half of an engine: BM25 search and term statistics over committed chunks."""

    def search(self, query: str, k: int, allowed_docs: set[str] | None = None) -> list[tuple[str, float]]: ...

    def stats(self) -> TermStats: ...

    def refresh(self, committed: Sequence[str], force_save: bool = False) -> None: ...


class Engine(Protocol):
    """One storage engine. Writes are not atomic here; ``Index`` orders them into a commit."""

    name: str
    shared: bool  # True when other processes may write concurrently (server engines)

    def check_model(self, model_name: str, dimension: int | None) -> None: ...

    def upsert_chunks(
        self, doc: DocumentMeta, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]
    ) -> None: ...

    def upsert_units(
        self, doc: DocumentMeta, units: Sequence[Unit], vectors: Sequence[Sequence[float]]
    ) -> None: ...

    def commit_record(self, doc: DocumentMeta, chunk_count: int, chunks: Sequence[Chunk]) -> None: ...

    def records(self) -> dict[str, tuple[DocumentMeta, int]]: ...

    def drop_document(self, doc_id: str) -> None: ...

    def drop_orphans(self, live: Sequence[str]) -> int: ...

    def census(self) -> dict[str, tuple[int, int]]: ...

    def get(self, ids: Sequence[str]) -> dict[str, StoredChunk]: ...

    def iter_chunks(self, doc_ids: Sequence[str], page: int = 2000) -> Iterator[StoredChunk]: ...

    def find(
        self, doc_id: str, section: str | None = None, position: int | None = None
    ) -> list[StoredChunk]: ...

    def dense(self, vector: Sequence[float], k: int, doc_ids: Sequence[str] | None) -> list[StoredChunk]: ...

    def dense_ids(
        self, vector: Sequence[float], k: int, doc_ids: Sequence[str] | None
    ) -> list[tuple[str, float]]: ...

    def dense_units(
        self, vector: Sequence[float], k: int, doc_ids: Sequence[str] | None
    ) -> list[UnitHit]: ...

    def unit_vectors(self, chunk_ids: Sequence[str]) -> dict[str, list[tuple[str, list[float]]]]: ...

    def make_lexical(
        self, committed: Callable[[], dict[str, int]], chunks: Callable[[list[str]], Iterator[StoredChunk]]
    ) -> LexicalSide: ...

    def changed_elsewhere(self) -> None: ...

    def close(self) -> None: ...


class ChunkStore(Protocol):
    """The index as the rest of the product uses it (``vectorstore.index.Index``)."""

    def add_document(self, parsed: ParsedDocument) -> AddResult: ...

    def remove_document(self, key: str) -> DocumentMeta | None: ...

    def documents(self, fresh: bool = False) -> dict[str, DocumentMeta]: ...

    def list_documents(self) -> list[DocumentMeta]: ...

    def chunk_count(self, doc_id: str) -> int: ...

    def dense_search(
        self, query_vector: list[float], k: int, allowed_docs: list[str] | None = None
    ) -> list[StoredChunk]: ...

    def lexical_search(
        self, query: str, k: int, allowed_docs: list[str] | None = None
    ) -> list[tuple[str, float]]: ...

    def dense_search_ids(
        self, query_vector: list[float], k: int, allowed_docs: list[str] | None = None
    ) -> list[tuple[str, float]]: ...

    def committed_chunks(self, ids: list[str]) -> dict[str, StoredChunk]: ...

    def dense_search_units(
        self, query_vector: list[float], k: int, allowed_docs: list[str] | None = None
    ) -> list[UnitHit]: ...

    def unit_vectors(self, chunk_ids: list[str]) -> dict[str, list[tuple[str, list[float]]]]: ...

    def get_chunks(self, ids: list[str]) -> dict[str, StoredChunk]: ...

    def iter_chunks(self, doc_ids: list[str], page: int = 2000) -> Iterator[StoredChunk]: ...

    def term_stats(self) -> TermStats: ...
