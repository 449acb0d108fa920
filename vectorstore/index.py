"""The index: atomic, idempotent document writes over one storage engine (``ChunkStore``).

Write protocol (one writer at a time, a file lock in the data dir):
1. embed every chunk of the document (nothing written yet);
2. upsert the chunks (invisible: no document record yet);
3. upsert the document record — the commit point;
4. drop older versions of the same source file (record first, then chunks).
Readers only see chunks of committed documents, so a crash at any step leaves
either the old version or the new one, never half of one. ``recover()`` removes
orphan chunks and duplicate versions left by a crash. The engine (Chroma or Milvus,
``BAOCAO_VECTOR_BACKEND``) stores and searches; this module owns the protocol.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from baocao.settings import Settings
from ingest.indicators import extract_chunk
from ingest.models import SIGNATURE_HEADING, DocumentMeta, ParsedDocument
from vectorstore.derived import IndicatorHook, document_units
from vectorstore.embeddings import Embedder, load_embedder, vector_name
from vectorstore.indicator_store import FILE_NAME as INDICATORS_FILE
from vectorstore.indicator_store import IndicatorStore
from vectorstore.memo import ChunkMemo
from vectorstore.ports import (
    AddResult,
    DocumentHook,
    Engine,
    LexicalSide,
    StoredChunk,
    TermStats,
    UnitHit,
)

__all__ = ["AddResult", "Index", "StoredChunk", "UnitHit", "document_units", "make_engine", "open_index"]

log = logging.getLogger(__name__)

_DOCS_TTL_S = 2.0
_MEMO_CHUNKS = 4096  # chunks (and their sentence vectors, ~9 KB a chunk) kept in memory for answers
UnitVector = npt.NDArray[np.float32]


class _OfDocument(Protocol):
    @property
    def doc_id(self) -> str: ...


Hit = TypeVar("Hit", bound=_OfDocument)


def make_engine(settings: Settings, model_name: str) -> Engine:
    """The engine ``settings.vector_backend`` names."""
    if settings.vector_backend == "milvus":
        from vectorstore.milvus_engine import MilvusEngine

        return MilvusEngine(settings, model_name)
    from vectorstore.chroma_engine import ChromaEngine

    return ChromaEngine(settings, model_name)


class Index:
    """Committed documents and their chunks in one engine, with dense and lexical search."""

    def __init__(
        self, settings: Settings, embedder: Embedder | None = None, hooks: Sequence[DocumentHook] = ()
    ) -> None:
        self.settings = settings
        self.hooks: list[DocumentHook] = [IndicatorHook(lambda: self.indicators), *hooks]
        self._indicators: IndicatorStore | None = None
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self._planned_name: str | None = None
        self._unit_memo: ChunkMemo[list[tuple[str, UnitVector]]] = ChunkMemo(_MEMO_CHUNKS)
        self._chunk_memo: ChunkMemo[StoredChunk] = ChunkMemo(_MEMO_CHUNKS)
        self._docs_stamp: int | None = None
        self._engine = make_engine(settings, self.model_name)
        self._docs_cache: tuple[float, dict[str, DocumentMeta]] | None = None
        self._seen_docs: set[str] | None = None  # committed ids as of this process's last look
        self._own: set[str] = set()  # ids this process commits or drops (not "another process")
        self._recovered = False
        self._chunk_counts: dict[str, int] = {}
        self._lexical: LexicalSide = self._engine.make_lexical(self._committed_counts, self._iter_committed)
        if embedder is not None:
            self._engine.check_model(self.model_name, embedder.dimension)

    @property
    def backend(self) -> str:
        return self._engine.name

    # model ---------------------------------------------------------------------------
    @property
    def model_name(self) -> str:
        if self._embedder is not None:
            return self._embedder.name
        if self._planned_name is None:  # what the vectors will be named, before the model loads
            self._planned_name = vector_name(self.settings)
        return self._planned_name

    @property
    def embedder_loaded(self) -> bool:
        return self._embedder is not None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._embedder_lock:
                if self._embedder is None:
                    emb = load_embedder(self.settings)
                    self._engine.check_model(emb.name, emb.dimension)
                    self._embedder = emb
        return self._embedder

    # documents -----------------------------------------------------------------------
    def documents(self, fresh: bool = False) -> dict[str, DocumentMeta]:
        """Committed documents by id (cached for a couple of seconds)."""
        now = time.monotonic()
        if not fresh and self._docs_cache and now - self._docs_cache[0] < _DOCS_TTL_S:
            return self._docs_cache[1]
        records = self._engine.records()
        docs = {i: meta for i, (meta, _n) in records.items()}
        self._chunk_counts = {i: n for i, (_meta, n) in records.items()}
        if self._seen_docs is not None and (set(docs) ^ self._seen_docs) - self._own:
            self._engine.changed_elsewhere()
        self._seen_docs = set(docs)
        self._docs_cache = (now, docs)
        stamp = hash(frozenset((i, m.ingested_at) for i, m in docs.items()))
        if stamp != self._docs_stamp:
            self._unit_memo.clear()
            self._chunk_memo.clear()
            self._docs_stamp = stamp
        return docs

    def _committed_counts(self) -> dict[str, int]:
        docs = self.documents()
        return {d: self._chunk_counts.get(d, 0) for d in docs}

    def _iter_committed(self, doc_ids: list[str]) -> Iterator[StoredChunk]:
        return self._engine.iter_chunks(doc_ids)

    def list_documents(self) -> list[DocumentMeta]:
        return sorted(self.documents(fresh=True).values(), key=lambda d: (d.ward, d.date, d.source))

    def chunk_count(self, doc_id: str) -> int:
        """Chunks of a committed document (from the document records already fetched)."""
        self.documents()
        return self._chunk_counts.get(doc_id, 0)

    def find_documents(self, key: str) -> list[DocumentMeta]:
        docs = self.documents(fresh=True)
        return [d for d in docs.values() if key in (d.doc_id, d.source)]

    # writes --------------------------------------------------------------------------
    @contextmanager
    def write_lock(self) -> Iterator[None]:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.settings.data_dir / "write.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def add_document(self, parsed: ParsedDocument) -> AddResult:
        meta = parsed.metadata
        timings: dict[str, float] = {}
        with self.write_lock():
            if not self._recovered:  # once per process: orphans are invisible meanwhile
                self.recover()
                self._recovered = True
            docs = self.documents(fresh=True)
            if meta.doc_id in docs:
                return AddResult("unchanged", meta.doc_id, meta.source, self.chunk_count(meta.doc_id))
            # a new version of the same report: same file name for the same ward
            older = [d.doc_id for d in docs.values() if d.source == meta.source and d.ward == meta.ward]
            try:
                meta = self._write(parsed, older, timings)
            except BaseException:
                self._recovered = False  # the next write cleans up what this one left
                raise
        status = "replaced" if older else "added"
        return AddResult(status, meta.doc_id, meta.source, len(parsed.chunks), older, timings)

    def _write(self, parsed: ParsedDocument, older: list[str], timings: dict[str, float]) -> DocumentMeta:
        meta = parsed.metadata
        t0 = time.perf_counter()
        vectors = self.embedder.embed_documents([c.embed_text for c in parsed.chunks])
        units = document_units(parsed)
        unit_vectors = self.embedder.embed_documents([u.embed_text for u in units]) if units else []
        timings["embed_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        self._engine.upsert_chunks(meta, parsed.chunks, vectors)
        self._engine.upsert_units(meta, units, unit_vectors)
        t1 = time.perf_counter()
        for hook in self.hooks:  # derived data first: the record below is the commit point
            hook.write_document(parsed)
        timings["indicators_s"] = time.perf_counter() - t1
        meta = meta.model_copy(update={"ingested_at": datetime.now(UTC).isoformat(timespec="microseconds")})
        self._own.add(meta.doc_id)
        self._engine.commit_record(meta, len(parsed.chunks), parsed.chunks)
        for old in older:
            self._drop(old)
        timings["store_s"] = time.perf_counter() - t0
        self._docs_cache = None
        if self._seen_docs is not None:
            self._seen_docs = (self._seen_docs - set(older)) | {meta.doc_id}
        return meta

    def remove_document(self, key: str) -> DocumentMeta | None:
        with self.write_lock():
            found = self.find_documents(key)
            for d in found:
                self._drop(d.doc_id)
            self._docs_cache = None
        if found:
            self.refresh_lexical(force_save=True)
        return found[0] if found else None

    def _drop(self, doc_id: str) -> None:
        self._own.add(doc_id)
        if self._seen_docs is not None:
            self._seen_docs.discard(doc_id)
        for hook in self.hooks:  # derived data first: a crash here leaves it re-derivable
            hook.delete_document(doc_id)
        self._engine.drop_document(doc_id)

    # indicators ----------------------------------------------------------------------
    @property
    def indicators(self) -> IndicatorStore:
        """The figures table (SQLite beside the index); see ``indicator_table`` for reads."""
        if self._indicators is None:
            self._indicators = IndicatorStore(self.settings.data_dir / INDICATORS_FILE)
        return self._indicators

    def indicator_table(self) -> IndicatorStore:
        """The figures table, brought in line with the committed documents first."""
        docs = self.documents()

        def extract(doc_id: str) -> list[Any]:
            meta = docs[doc_id]
            out: list[Any] = []
            for c in sorted(self.iter_chunks([doc_id]), key=lambda c: c.position):
                path = [p for p in c.section.split(" > ") if p]
                if path[:1] == [SIGNATURE_HEADING]:
                    continue
                out.extend(extract_chunk(meta, c.text, path, c.chunk_id, c.page))
            return out

        self.indicators.sync(docs, extract)
        return self.indicators

    def recover(self) -> int:
        """Remove what an interrupted write left: orphan chunks, duplicate versions."""
        docs = self.documents(fresh=True)
        by_source: dict[tuple[str, str], list[DocumentMeta]] = {}
        for d in docs.values():
            by_source.setdefault((d.source, d.ward), []).append(d)
        removed = 0
        for versions in by_source.values():
            versions.sort(key=lambda d: d.ingested_at)
            for stale in versions[:-1]:
                self._drop(stale.doc_id)
                removed += 1
        live = list(self.documents(fresh=True))
        orphans = self._engine.drop_orphans(live)
        if orphans:
            log.warning("removed %d orphan records (chunks, units) from an interrupted ingest", orphans)
        self._docs_cache = None
        return removed + orphans

    def census(self) -> dict[str, tuple[int, int]]:
        """Stored (chunks, sentence units) per document id, committed or not (audits, tests)."""
        return self._engine.census()

    # lexical -------------------------------------------------------------------------
    def term_stats(self) -> TermStats:
        """Document frequencies over the committed chunks (for weighing question words)."""
        return self._lexical.stats()

    def lexical(self) -> TermStats:
        """Alias of ``term_stats`` (older callers)."""
        return self.term_stats()

    def refresh_lexical(self, force_save: bool = False) -> None:
        """Bring the lexical side up to date with the committed documents (after writes)."""
        self._docs_cache = None
        self._lexical.refresh(list(self.documents(fresh=True)), force_save=force_save)

    def lexical_search(
        self, query: str, k: int, allowed_docs: list[str] | None = None
    ) -> list[tuple[str, float]]:
        """BM25 over committed chunks, best first (``allowed_docs`` narrows further)."""
        if allowed_docs is not None and not allowed_docs:
            return []
        return self._lexical.search(query, k, set(allowed_docs) if allowed_docs is not None else None)

    # reads ---------------------------------------------------------------------------
    def iter_chunks(self, doc_ids: list[str], page: int = 2000) -> Iterator[StoredChunk]:
        """Chunks of the given documents (any order)."""
        return self._engine.iter_chunks(doc_ids, page)

    def get_chunks(self, ids: list[str]) -> dict[str, StoredChunk]:
        return self._engine.get(ids)

    def section_chunks(self, doc_id: str, section: str) -> list[StoredChunk]:
        return self._engine.find(doc_id, section=section)

    def chunk_at(self, doc_id: str, position: int) -> StoredChunk | None:
        """The chunk at ``position`` of a document (used to continue a list across chunks)."""
        got = self._engine.find(doc_id, position=position)
        return got[0] if got else None

    def _scope(self, allowed_docs: list[str] | None) -> tuple[dict[str, DocumentMeta], list[str] | None]:
        """The committed documents, and the id list a search must be narrowed to (None: every
        committed document; the search runs unfiltered and drops orphans of an interrupted
        write itself, which is faster than an id-list filter)."""
        committed = self.documents()
        if allowed_docs is not None and set(allowed_docs) != set(committed):
            return committed, [d for d in allowed_docs if d in committed]
        return committed, None

    def _committed_search(
        self, search: Callable[[int, list[str] | None], list[Hit]], k: int, allowed_docs: list[str] | None
    ) -> list[Hit]:
        """``search(k, doc_ids)`` over committed documents only: narrowed by an id list when
        some documents are excluded; else unfiltered with a margin, orphans of an interrupted
        write dropped by doc id (an id-list filter would double the search's cost)."""
        committed, narrow = self._scope(allowed_docs)
        if not committed or (allowed_docs is not None and not allowed_docs):
            return []
        if narrow is not None:
            return search(k, narrow) if narrow else []
        hits = search(k + 10, None)
        out = [h for h in hits if h.doc_id in committed]
        if len(out) >= k or len(hits) < k + 10:
            return out[:k]
        return search(k, list(committed))

    def dense_search(
        self, query_vector: list[float], k: int, allowed_docs: list[str] | None = None
    ) -> list[StoredChunk]:
        """Nearest chunks of committed documents (``allowed_docs`` narrows further)."""
        return self._committed_search(
            lambda n, ids: self._engine.dense(query_vector, n, ids), k, allowed_docs
        )

    def dense_search_ids(
        self, query_vector: list[float], k: int, allowed_docs: list[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, distance) of the nearest chunks, best first, without their text: the
        caller reads the few it keeps with ``committed_chunks``. Unfiltered, the list may hold
        chunks of an interrupted write (``committed_chunks`` drops them)."""
        committed, narrow = self._scope(allowed_docs)
        if not committed or (allowed_docs is not None and not allowed_docs) or narrow == []:
            return []
        return self._engine.dense_ids(query_vector, k if narrow is not None else k + 10, narrow)

    def committed_chunks(self, ids: list[str]) -> dict[str, StoredChunk]:
        """The chunks of ``ids`` that belong to committed documents (kept in memory: answers
        read the same chunks again and again)."""
        committed = self.documents()
        got = self._chunk_memo.get_many(ids, self._engine.get)
        return {cid: c for cid, c in got.items() if c.doc_id in committed}

    def dense_search_units(
        self, query_vector: list[float], k: int, allowed_docs: list[str] | None = None
    ) -> list[UnitHit]:
        """Nearest sentence units of committed documents (sentence-window retrieval)."""
        return self._committed_search(
            lambda n, ids: self._engine.dense_units(query_vector, n, ids), k, allowed_docs
        )

    def unit_vectors(self, chunk_ids: list[str]) -> dict[str, list[tuple[str, UnitVector]]]:
        """The stored sentence units of the given chunks: chunk id -> [(text, vector)] in order.

        Every answer reads them; they are kept in memory per chunk (ids are content hashes) until
        the committed documents change, here or in another process."""
        if not chunk_ids:
            return {}
        self.documents()  # notices a write (ours, or another process's) and empties the memo

        def fetch(ids: list[str]) -> dict[str, list[tuple[str, UnitVector]]]:
            got = self._engine.unit_vectors(ids)
            return {
                c: [(t, np.asarray(v, dtype=np.float32)) for t, v in rows] for c, rows in got.items() if rows
            }

        return self._unit_memo.get_many(chunk_ids, fetch)

    def close(self) -> None:
        if self._indicators is not None:
            self._indicators.close()
            self._indicators = None
        self._docs_cache = None
        self._engine.close()


def open_index(
    settings: Settings, embedder: Embedder | None = None, hooks: Sequence[DocumentHook] = ()
) -> Index:
    return Index(settings, embedder, hooks)
