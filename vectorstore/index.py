"""The index facade: atomic, idempotent document writes over Chroma + BM25.

Write protocol (one writer at a time, a file lock in the data dir):
1. embed every chunk of the document (nothing written yet);
2. upsert the chunks (invisible: no document record yet);
3. upsert the document record — the commit point;
4. drop older versions of the same source file (record first, then chunks).
Readers only see chunks of committed documents, so a crash at any step leaves
either the old version or the new one, never half of one. ``recover()`` removes
orphan chunks and duplicate versions left by a crash; the lexical index is derived
state, rebuilt from Chroma whenever its fingerprint (the committed document ids)
is stale.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chromadb import errors as chromadb_errors

from baocao.settings import Settings
from ingest.indicators import extract_chunk, extract_parsed
from ingest.models import SIGNATURE_HEADING, DocumentMeta, ParsedDocument
from ingest.sentences import unit_texts
from vectorstore import chroma_store
from vectorstore.embeddings import Embedder, load_embedder
from vectorstore.indicator_store import FILE_NAME as INDICATORS_FILE
from vectorstore.indicator_store import IndicatorStore
from vectorstore.lexical import LEXICAL_VERSION, LexicalIndex

log = logging.getLogger(__name__)

_BATCH = 256
_DOCS_TTL_S = 2.0


@dataclass
class AddResult:
    status: str  # added | unchanged | replaced
    doc_id: str
    source: str
    chunks: int
    replaced: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class UnitHit:
    """A sentence unit found by dense search; ``parent`` is the chunk it belongs to."""

    unit_id: str
    parent: str
    text: str
    order: int
    distance: float


@dataclass
class StoredChunk:
    chunk_id: str
    text: str
    metadata: dict[str, Any]
    distance: float | None = None


def _doc_record(meta: DocumentMeta, chunk_count: int) -> dict[str, Any]:
    d = meta.model_dump()
    d["years"] = ",".join(str(y) for y in meta.years)
    d["pages"] = meta.pages if meta.pages is not None else -1
    d["chunk_count"] = chunk_count
    return d


def _doc_from_record(doc_id: str, rec: dict[str, Any]) -> DocumentMeta:
    d = dict(rec)
    d["doc_id"] = doc_id
    d["years"] = [int(y) for y in str(d.get("years") or "").split(",") if y.strip().isdigit()]
    d["pages"] = None if int(d.get("pages", -1)) < 0 else int(d["pages"])
    return DocumentMeta.model_validate(d)


def document_units(parsed: ParsedDocument) -> list[dict[str, Any]]:
    """Every chunk's sentences, each embedded with its section's last heading for context."""
    out: list[dict[str, Any]] = []
    for c in parsed.chunks:
        head = c.heading_path[-1] if c.heading_path else ""
        for i, text in enumerate(unit_texts(c.text)):
            uid = hashlib.sha256(f"{c.id}\x1f{i}\x1f{text}".encode()).hexdigest()[:32]
            embed = f"{head}: {text}" if head and len(text) < 400 else text
            out.append({"id": uid, "parent": c.id, "order": i, "text": text, "embed_text": embed})
    return out


def lexical_text(text: str, metadata: dict[str, Any]) -> str:
    return f"{metadata.get('section', '')}\n{text}"


class Index:
    """Chroma chunks + committed documents + BM25, for one data dir / server."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self._client = chroma_store.make_client(settings)
        self._chunks = chroma_store.chunks_collection(self._client, settings, self.model_name)
        self._units = chroma_store.chunks_collection(self._client, settings, self.model_name, "units")
        self._docs = chroma_store.documents_collection(self._client, settings)
        self._docs_cache: tuple[float, dict[str, DocumentMeta]] | None = None
        self._seen_docs: set[str] | None = None  # committed ids as of this process's last look
        self._recovered = False
        self._chunk_counts: dict[str, int] = {}
        self._lexical: LexicalIndex | None = None
        self._lex_lock = threading.Lock()
        self._indicators: IndicatorStore | None = None
        if embedder is not None:
            chroma_store.check_dimension(self._chunks, self.model_name, embedder.dimension)

    # model ---------------------------------------------------------------------------
    @property
    def model_name(self) -> str:
        return self._embedder.name if self._embedder is not None else self.settings.embedding_model

    @property
    def embedder_loaded(self) -> bool:
        return self._embedder is not None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._embedder_lock:
                if self._embedder is None:
                    emb = load_embedder(self.settings)
                    chroma_store.check_dimension(self._chunks, emb.name, emb.dimension)
                    self._embedder = emb
        return self._embedder

    # documents -----------------------------------------------------------------------
    def documents(self, fresh: bool = False) -> dict[str, DocumentMeta]:
        """Committed documents by id (cached for a couple of seconds)."""
        now = time.monotonic()
        if not fresh and self._docs_cache and now - self._docs_cache[0] < _DOCS_TTL_S:
            return self._docs_cache[1]
        got = self._docs.get(include=["metadatas"])
        records = dict(zip(got["ids"], got["metadatas"] or [], strict=False))
        docs = {i: _doc_from_record(i, m or {}) for i, m in records.items()}
        self._chunk_counts = {i: int((m or {}).get("chunk_count", 0)) for i, m in records.items()}
        if (
            self._seen_docs is not None
            and set(docs) != self._seen_docs
            and not self.settings.uses_chroma_server
        ):
            # another process wrote to this embedded store: its vectors are only visible to a new client
            self._reopen()
        self._seen_docs = set(docs)
        self._docs_cache = (now, docs)
        return docs

    def _reopen(self) -> None:
        """Re-open the embedded Chroma client so that other processes' writes become visible."""
        from chromadb.api.shared_system_client import SharedSystemClient

        log.info("index changed in another process; re-opening the embedded Chroma client")
        SharedSystemClient.clear_system_cache()
        self._client = chroma_store.make_client(self.settings)
        self._chunks = chroma_store.chunks_collection(self._client, self.settings, self.model_name)
        self._units = chroma_store.chunks_collection(self._client, self.settings, self.model_name, "units")
        self._docs = chroma_store.documents_collection(self._client, self.settings)

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
            t0 = time.perf_counter()
            vectors = self.embedder.embed_documents([c.embed_text for c in parsed.chunks])
            units = document_units(parsed)
            unit_vectors = self.embedder.embed_documents([u["embed_text"] for u in units]) if units else []
            timings["embed_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            for s in range(0, len(parsed.chunks), _BATCH):
                part = parsed.chunks[s : s + _BATCH]
                self._chunks.upsert(
                    ids=[c.id for c in part],
                    embeddings=vectors[s : s + _BATCH],
                    documents=[c.text for c in part],
                    metadatas=[c.chroma_metadata(meta) for c in part],
                )
            for s in range(0, len(units), _BATCH):
                upart = units[s : s + _BATCH]
                self._units.upsert(
                    ids=[u["id"] for u in upart],
                    embeddings=unit_vectors[s : s + _BATCH],
                    documents=[u["text"] for u in upart],
                    metadatas=[
                        {"doc_id": meta.doc_id, "parent": u["parent"], "order": u["order"]} for u in upart
                    ],
                )
            t1 = time.perf_counter()
            self.indicators.replace_document(meta.doc_id, extract_parsed(parsed))  # before the commit point
            timings["indicators_s"] = time.perf_counter() - t1
            meta = meta.model_copy(
                update={"ingested_at": datetime.now(UTC).isoformat(timespec="microseconds")}
            )
            self._docs.upsert(
                ids=[meta.doc_id],
                embeddings=[[1.0]],
                documents=[meta.title or meta.source],
                metadatas=[_doc_record(meta, len(parsed.chunks))],
            )
            for old in older:
                self._drop(old)
            timings["store_s"] = time.perf_counter() - t0
            self._docs_cache = None
            if self._seen_docs is not None:
                self._seen_docs = (self._seen_docs - set(older)) | {meta.doc_id}
        status = "replaced" if older else "added"
        return AddResult(status, meta.doc_id, meta.source, len(parsed.chunks), older, timings)

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
        if self._seen_docs is not None:
            self._seen_docs.discard(doc_id)
        self._docs.delete(ids=[doc_id])
        self._chunks.delete(where={"doc_id": doc_id})
        self._units.delete(where={"doc_id": doc_id})
        self.indicators.delete_document(doc_id)

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
            for c in sorted(self.iter_chunks([doc_id]), key=lambda c: int(c.metadata.get("position", 0))):
                path = [p for p in str(c.metadata.get("section", "")).split(" > ") if p]
                if path[:1] == [SIGNATURE_HEADING]:
                    continue
                page = int(c.metadata.get("page", -1))
                out.extend(extract_chunk(meta, c.text, path, c.chunk_id, None if page < 0 else page))
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
        live = [d.doc_id for d in self.documents(fresh=True).values()]
        where: dict[str, Any] = {"doc_id": {"$nin": live}} if live else {}
        for col in (self._chunks, self._units):
            orphan_ids = col.get(where=where or None, include=[])["ids"]
            if orphan_ids:
                log.warning("removing %d orphan records from an interrupted ingest", len(orphan_ids))
                for s in range(0, len(orphan_ids), 5000):
                    col.delete(ids=orphan_ids[s : s + 5000])
                removed += len(orphan_ids)
        self._docs_cache = None
        return removed

    # lexical -------------------------------------------------------------------------
    def _fingerprint(self, docs: dict[str, DocumentMeta]) -> str:
        ids = "\n".join([LEXICAL_VERSION, *sorted(docs)])
        return hashlib.sha256(ids.encode()).hexdigest()[:16]

    def lexical(self) -> LexicalIndex:
        docs = self.documents()
        fp = self._fingerprint(docs)
        if self._lexical is not None and self._lexical.fingerprint == fp:
            return self._lexical
        with self._lex_lock:
            if self._lexical is None or self._lexical.fingerprint != fp:
                self._lexical = self._load_or_build_lexical(docs, fp, save=True)
        return self._lexical

    def refresh_lexical(self, force_save: bool = False) -> LexicalIndex:
        """Bring the lexical index up to date with the committed documents (after writes)."""
        self._docs_cache = None
        docs = self.documents(fresh=True)
        fp = self._fingerprint(docs)
        with self._lex_lock:
            self._lexical = self._load_or_build_lexical(docs, fp, save=True)
        return self._lexical

    def _load_or_build_lexical(self, docs: dict[str, DocumentMeta], fp: str, save: bool) -> LexicalIndex:
        on_disk = LexicalIndex.load(self.settings.lexical_dir)
        if on_disk is not None and on_disk.fingerprint == fp:
            return on_disk
        t0 = time.perf_counter()
        ids, texts, doc_ids = [], [], []
        for c in self.iter_chunks(list(docs)):
            ids.append(c.chunk_id)
            texts.append(lexical_text(c.text, c.metadata))
            doc_ids.append(str(c.metadata.get("doc_id", "")))
        lex = LexicalIndex.build(ids, texts, doc_ids, fp)
        if save:
            try:
                lex.save(self.settings.lexical_dir)
            except OSError:
                log.warning("could not save the lexical index", exc_info=True)
        log.info("lexical index rebuilt: %d chunks in %.2fs", len(ids), time.perf_counter() - t0)
        return lex

    # reads ---------------------------------------------------------------------------
    def iter_chunks(self, doc_ids: list[str], page: int = 5000) -> Iterator[StoredChunk]:
        if not doc_ids:
            return
        offset = 0
        while True:
            got = self._chunks.get(
                where={"doc_id": {"$in": doc_ids}},
                include=["documents", "metadatas"],
                limit=page,
                offset=offset,
            )
            for cid, text, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=False
            ):
                yield StoredChunk(cid, text or "", dict(meta or {}))
            if len(got["ids"]) < page:
                return
            offset += page

    def get_chunks(self, ids: list[str]) -> dict[str, StoredChunk]:
        if not ids:
            return {}
        got = self._chunks.get(ids=ids, include=["documents", "metadatas"])
        return {
            cid: StoredChunk(cid, text or "", dict(meta or {}))
            for cid, text, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=False
            )
        }

    def section_chunks(self, doc_id: str, section: str) -> list[StoredChunk]:
        got = self._chunks.get(
            where={"$and": [{"doc_id": doc_id}, {"section": section}]}, include=["documents", "metadatas"]
        )
        out = [
            StoredChunk(cid, text or "", dict(meta or {}))
            for cid, text, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=False
            )
        ]
        return sorted(out, key=lambda c: int(c.metadata.get("position", 0)))

    def chunk_at(self, doc_id: str, position: int) -> StoredChunk | None:
        """The chunk at ``position`` of a document (used to continue a list across chunks)."""
        got = self._chunks.get(
            where={"$and": [{"doc_id": doc_id}, {"position": position}]}, include=["documents", "metadatas"]
        )
        if not got["ids"]:
            return None
        return StoredChunk(
            got["ids"][0], (got["documents"] or [""])[0] or "", dict((got["metadatas"] or [{}])[0] or {})
        )

    def dense_search(
        self, query_vector: list[float], k: int, allowed_docs: list[str] | None = None
    ) -> list[StoredChunk]:
        """Nearest chunks of committed documents (``allowed_docs`` narrows further)."""
        committed = self.documents()
        if not committed:
            return []
        restrict = allowed_docs is not None and set(allowed_docs) != set(committed)
        if allowed_docs is not None and not allowed_docs:
            return []
        for attempt in range(2):
            use_where = restrict or attempt == 1
            docs_in = allowed_docs if allowed_docs is not None else list(committed)
            res = self._query_chunks(
                query_embeddings=[query_vector],
                n_results=k if use_where else k + 10,
                where={"doc_id": {"$in": docs_in}} if use_where else None,
                include=["documents", "metadatas", "distances"],
            )
            out = [
                StoredChunk(cid, text or "", dict(meta or {}), float(dist))
                for cid, text, meta, dist in zip(
                    res["ids"][0],
                    (res["documents"] or [[]])[0],
                    (res["metadatas"] or [[]])[0],
                    (res["distances"] or [[]])[0],
                    strict=False,
                )
                if (meta or {}).get("doc_id") in committed
            ]
            if use_where or len(out) >= k:
                return out[:k]
        return out[:k]

    def dense_search_units(
        self, query_vector: list[float], k: int, allowed_docs: list[str] | None = None
    ) -> list[UnitHit]:
        """Nearest sentence units of committed documents (sentence-window retrieval)."""
        committed = self.documents()
        if not committed or (allowed_docs is not None and not allowed_docs):
            return []
        docs_in = allowed_docs if allowed_docs is not None else list(committed)
        res = self._query_chunks(
            query_embeddings=[query_vector],
            n_results=k,
            where={"doc_id": {"$in": docs_in}},
            include=["documents", "metadatas", "distances"],
            collection="units",
        )
        return [
            UnitHit(uid, str(meta.get("parent", "")), text or "", int(meta.get("order", 0)), float(dist))
            for uid, text, meta, dist in zip(
                res["ids"][0],
                (res["documents"] or [[]])[0],
                (res["metadatas"] or [[]])[0],
                (res["distances"] or [[]])[0],
                strict=False,
            )
            if meta and meta.get("doc_id") in committed
        ]

    def unit_vectors(self, chunk_ids: list[str]) -> dict[str, list[tuple[str, list[float]]]]:
        """The stored sentence units of the given chunks: chunk id -> [(text, vector)] in order."""
        if not chunk_ids:
            return {}
        got = self._units.get(
            where={"parent": {"$in": chunk_ids}}, include=["documents", "metadatas", "embeddings"]
        )
        rows: dict[str, list[tuple[int, str, list[float]]]] = {}
        embs = got.get("embeddings")
        embs = [] if embs is None else embs
        for text, meta, vec in zip(got["documents"] or [], got["metadatas"] or [], embs, strict=False):
            rows.setdefault(str(meta.get("parent", "")), []).append(
                (int(meta.get("order", 0)), text or "", [float(x) for x in vec])
            )
        return {cid: [(t, v) for _, t, v in sorted(r, key=lambda x: x[0])] for cid, r in rows.items()}

    def _query_chunks(self, collection: str = "chunks", **kwargs: Any) -> Any:
        col = self._units if collection == "units" else self._chunks
        try:
            return col.query(**kwargs)
        except chromadb_errors.InternalError:
            if self.settings.uses_chroma_server:
                raise
            self._reopen()  # the embedded segment changed under us (another process wrote)
            col = self._units if collection == "units" else self._chunks
            return col.query(**kwargs)

    def close(self) -> None:
        if self._indicators is not None:
            self._indicators.close()
            self._indicators = None
        self._lexical = None
        self._docs_cache = None


def open_index(settings: Settings, embedder: Embedder | None = None) -> Index:
    return Index(settings, embedder)
