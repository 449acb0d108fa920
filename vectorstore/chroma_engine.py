"""Chroma as an ``Engine``: embedded (``PersistentClient``) or a Chroma server.

Chroma stores scalar metadata only, so this module flattens our records (years as
"2023,2024", no page as -1) and reads them back; nothing outside it sees that encoding.
The lexical side is a bm25s index beside the store (``vectorstore.bm25_side``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from chromadb import errors as chromadb_errors

from baocao.settings import Settings
from ingest.models import Chunk, DocumentMeta
from vectorstore import chroma_store
from vectorstore.bm25_side import Bm25Side
from vectorstore.ports import LexicalSide, StoredChunk, Unit, UnitHit

log = logging.getLogger(__name__)

_BATCH = 256


def _years(v: Any) -> list[int]:
    return [int(y) for y in str(v or "").split(",") if y.strip().isdigit()]


def chunk_metadata(chunk: Chunk, doc: DocumentMeta) -> dict[str, Any]:
    """Flat metadata for Chroma (scalars only)."""
    return {
        "doc_id": chunk.doc_id,
        "ward": doc.ward,
        "ward_kind": doc.ward_kind,
        "doc_type": doc.doc_type,
        "doc_number": doc.doc_number,
        "date": doc.date,
        "title": doc.title,
        "years": ",".join(str(y) for y in doc.years),
        "source": doc.source,
        "section": " > ".join(chunk.heading_path),
        "page": chunk.page if chunk.page is not None else -1,
        "position": chunk.position,
        "ocr": chunk.ocr,
        "issuer": doc.issuer,
        "area_level": doc.area_level,
    }


def stored_chunk(cid: str, text: str | None, meta: Any, distance: float | None = None) -> StoredChunk:
    m = dict(meta or {})
    page = int(m.get("page", -1))
    return StoredChunk(
        chunk_id=cid,
        text=text or "",
        doc_id=str(m.get("doc_id", "")),
        ward=str(m.get("ward", "")),
        ward_kind=str(m.get("ward_kind", "phường")),
        doc_type=str(m.get("doc_type", "")),
        doc_number=str(m.get("doc_number", "")),
        date=str(m.get("date", "")),
        title=str(m.get("title", "")),
        years=_years(m.get("years")),
        source=str(m.get("source", "")),
        section=str(m.get("section", "")),
        page=page if page >= 0 else None,
        position=int(m.get("position", 0)),
        ocr=bool(m.get("ocr", False)),
        issuer=str(m.get("issuer", "")),
        area_level=str(m.get("area_level", "")),
        distance=distance,
    )


def doc_record(meta: DocumentMeta, chunk_count: int) -> dict[str, Any]:
    d = meta.model_dump()
    d["years"] = ",".join(str(y) for y in meta.years)
    d["pages"] = meta.pages if meta.pages is not None else -1
    d["chunk_count"] = chunk_count
    return d


def doc_from_record(doc_id: str, rec: dict[str, Any]) -> DocumentMeta:
    d = dict(rec)
    d.pop("chunk_count", None)
    d["doc_id"] = doc_id
    d["years"] = _years(d.get("years"))
    d["pages"] = None if int(d.get("pages", -1)) < 0 else int(d["pages"])
    return DocumentMeta.model_validate(d)


def _rows(got: Any) -> list[StoredChunk]:
    return [
        stored_chunk(cid, text, meta)
        for cid, text, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=False)
    ]


class ChromaEngine:
    name = "chroma"

    def __init__(self, settings: Settings, model_name: str) -> None:
        self.settings = settings
        self.shared = settings.uses_chroma_server
        self._model_name = model_name
        self._open()

    def _open(self) -> None:
        self._client = chroma_store.make_client(self.settings)
        self._chunks = chroma_store.chunks_collection(self._client, self.settings, self._model_name)
        self._units = chroma_store.chunks_collection(self._client, self.settings, self._model_name, "units")
        self._docs = chroma_store.documents_collection(self._client, self.settings)

    def check_model(self, model_name: str, dimension: int | None) -> None:
        if model_name != self._model_name:
            self._model_name = model_name
            self._chunks = chroma_store.chunks_collection(self._client, self.settings, model_name)
            self._units = chroma_store.chunks_collection(self._client, self.settings, model_name, "units")
        if dimension is not None:
            chroma_store.check_dimension(self._chunks, model_name, dimension)

    # writes ----------------------------------------------------------------------------
    def upsert_chunks(
        self, doc: DocumentMeta, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]
    ) -> None:
        for s in range(0, len(chunks), _BATCH):
            part = chunks[s : s + _BATCH]
            self._chunks.upsert(
                ids=[c.id for c in part],
                embeddings=[list(v) for v in vectors[s : s + _BATCH]],
                documents=[c.text for c in part],
                metadatas=[chunk_metadata(c, doc) for c in part],
            )

    def upsert_units(
        self, doc: DocumentMeta, units: Sequence[Unit], vectors: Sequence[Sequence[float]]
    ) -> None:
        for s in range(0, len(units), _BATCH):
            part = units[s : s + _BATCH]
            self._units.upsert(
                ids=[u.id for u in part],
                embeddings=[list(v) for v in vectors[s : s + _BATCH]],
                documents=[u.text for u in part],
                metadatas=[{"doc_id": doc.doc_id, "parent": u.parent, "order": u.order} for u in part],
            )

    def commit_record(self, doc: DocumentMeta, chunk_count: int, chunks: Sequence[Chunk]) -> None:
        self._docs.upsert(
            ids=[doc.doc_id],
            embeddings=[[1.0]],
            documents=[doc.title or doc.source],
            metadatas=[doc_record(doc, chunk_count)],
        )

    def records(self) -> dict[str, tuple[DocumentMeta, int]]:
        got = self._docs.get(include=["metadatas"])
        return {
            i: (doc_from_record(i, dict(m or {})), int((m or {}).get("chunk_count", 0)))
            for i, m in zip(got["ids"], got["metadatas"] or [], strict=False)
        }

    def drop_document(self, doc_id: str) -> None:
        self._docs.delete(ids=[doc_id])
        self._chunks.delete(where={"doc_id": doc_id})
        self._units.delete(where={"doc_id": doc_id})

    def drop_orphans(self, live: Sequence[str]) -> int:
        where: dict[str, Any] | None = {"doc_id": {"$nin": list(live)}} if live else None
        removed = 0
        for col in (self._chunks, self._units):
            orphan_ids = col.get(where=where, include=[])["ids"]
            for s in range(0, len(orphan_ids), 5000):
                col.delete(ids=orphan_ids[s : s + 5000])
            removed += len(orphan_ids)
        return removed

    def census(self) -> dict[str, tuple[int, int]]:
        out: dict[str, list[int]] = {}
        for slot, col in enumerate((self._chunks, self._units)):
            for m in col.get(include=["metadatas"])["metadatas"] or []:
                out.setdefault(str((m or {}).get("doc_id", "")), [0, 0])[slot] += 1
        return {d: (n[0], n[1]) for d, n in out.items()}

    # reads -----------------------------------------------------------------------------
    def get(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        if not ids:
            return {}
        got = self._chunks.get(ids=list(ids), include=["documents", "metadatas"])
        return {c.chunk_id: c for c in _rows(got)}

    def iter_chunks(self, doc_ids: Sequence[str], page: int = 2000) -> Iterator[StoredChunk]:
        if not doc_ids:
            return
        offset = 0
        while True:
            got = self._chunks.get(
                where={"doc_id": {"$in": list(doc_ids)}},
                include=["documents", "metadatas"],
                limit=page,
                offset=offset,
            )
            yield from _rows(got)
            if len(got["ids"]) < page:
                return
            offset += page

    def find(self, doc_id: str, section: str | None = None, position: int | None = None) -> list[StoredChunk]:
        conds: list[dict[str, Any]] = [{"doc_id": doc_id}]
        if section is not None:
            conds.append({"section": section})
        if position is not None:
            conds.append({"position": position})
        where = {"$and": conds} if len(conds) > 1 else conds[0]
        got = self._chunks.get(where=where, include=["documents", "metadatas"])
        return sorted(_rows(got), key=lambda c: c.position)

    def _query(self, col: str, kwargs: dict[str, Any]) -> Any:
        try:
            return (self._units if col == "units" else self._chunks).query(**kwargs)
        except chromadb_errors.InternalError:
            if self.shared:
                raise
            self._reopen()  # the embedded segment changed under us (another process wrote)
            return (self._units if col == "units" else self._chunks).query(**kwargs)

    def dense(self, vector: Sequence[float], k: int, doc_ids: Sequence[str] | None) -> list[StoredChunk]:
        kwargs: dict[str, Any] = {
            "query_embeddings": [list(vector)],
            "n_results": k,
            "include": ["documents", "metadatas", "distances"],
        }
        if doc_ids is not None:
            kwargs["where"] = {"doc_id": {"$in": list(doc_ids)}}
        res = self._query("chunks", kwargs)
        return [
            stored_chunk(cid, text, meta, float(dist))
            for cid, text, meta, dist in zip(
                res["ids"][0],
                (res["documents"] or [[]])[0],
                (res["metadatas"] or [[]])[0],
                (res["distances"] or [[]])[0],
                strict=False,
            )
        ]

    def dense_ids(
        self, vector: Sequence[float], k: int, doc_ids: Sequence[str] | None
    ) -> list[tuple[str, float]]:
        # ids and distances only: decoding the chunks' metadata costs more than the search
        kwargs: dict[str, Any] = {
            "query_embeddings": [list(vector)],
            "n_results": k,
            "include": ["distances"],
        }
        if doc_ids is not None:
            kwargs["where"] = {"doc_id": {"$in": list(doc_ids)}}
        res = self._query("chunks", kwargs)
        return list(zip(res["ids"][0], map(float, (res["distances"] or [[]])[0]), strict=False))

    def dense_units(self, vector: Sequence[float], k: int, doc_ids: Sequence[str] | None) -> list[UnitHit]:
        kwargs: dict[str, Any] = {
            "query_embeddings": [list(vector)],
            "n_results": k,
            "include": ["documents", "metadatas", "distances"],
        }
        if doc_ids is not None:
            kwargs["where"] = {"doc_id": {"$in": list(doc_ids)}}
        res = self._query("units", kwargs)
        return [
            UnitHit(
                uid,
                str(meta.get("parent", "")),
                text or "",
                int(meta.get("order", 0)),
                float(dist),
                str(meta.get("doc_id", "")),
            )
            for uid, text, meta, dist in zip(
                res["ids"][0],
                (res["documents"] or [[]])[0],
                (res["metadatas"] or [[]])[0],
                (res["distances"] or [[]])[0],
                strict=False,
            )
            if meta
        ]

    def unit_vectors(self, chunk_ids: Sequence[str]) -> dict[str, list[tuple[str, list[float]]]]:
        got = self._units.get(
            where={"parent": {"$in": list(chunk_ids)}}, include=["documents", "metadatas", "embeddings"]
        )
        rows: dict[str, list[tuple[int, str, list[float]]]] = {}
        embs = got.get("embeddings")
        embs = [] if embs is None else embs
        for text, meta, vec in zip(got["documents"] or [], got["metadatas"] or [], embs, strict=False):
            rows.setdefault(str(meta.get("parent", "")), []).append(
                (int(meta.get("order", 0)), text or "", [float(x) for x in vec])
            )
        return {cid: [(t, v) for _, t, v in sorted(r, key=lambda x: x[0])] for cid, r in rows.items()}

    def make_lexical(
        self, committed: Callable[[], dict[str, int]], chunks: Callable[[list[str]], Iterator[StoredChunk]]
    ) -> LexicalSide:
        return Bm25Side(self.settings.lexical_dir, lambda: list(committed()), chunks)

    # processes -------------------------------------------------------------------------
    def changed_elsewhere(self) -> None:
        """Another process wrote: an embedded client only sees its vectors after a re-open."""
        if not self.shared:
            self._reopen()

    def _reopen(self) -> None:
        from chromadb.api.shared_system_client import SharedSystemClient

        log.info("index changed in another process; re-opening the embedded Chroma client")
        SharedSystemClient.clear_system_cache()
        self._open()

    def close(self) -> None:
        return None
