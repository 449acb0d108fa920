"""Milvus as an ``Engine``: Milvus Lite (a local ``.db`` path) or a Milvus server (``http://…``).

Collections (``<name>_chunks``, ``<name>_units``, ``<name>_documents``, ``<name>_terms``),
strong consistency:
* chunks — id, doc_id, section, position, the dense vector, the display text, a JSON
  ``meta`` (ward, document, years, page…) and ``lex``: the chunk's lexical tokens
  (``vectorstore.lexical.lexical_tokens``: syllables, bigrams, folded forms), each
  written as a 12-hex-digit hash so Milvus's ``standard`` analyzer keeps it as one
  term. A BM25 function turns ``lex`` into a sparse vector: lexical search runs in the
  engine, with the same k1/b as the bm25s side of Chroma.
* documents — one row per *committed* document (the commit marker), with the
  record and ``terms``: a sparse vector of how many of the document's chunks hold
  each lexical token, written in the same row as the commit marker.
* units — each chunk's sentences with their own vectors; a unit's id follows from its
  chunk's id and text (``vectorstore.derived.unit_id``), so a chunk's units are read by key.
* terms — document frequencies (``TermStats``): chunk counts per token over the committed
  records, kept in step with commits and removals, a batch at a time (``milvus_lexical.TermTable``).
Chunks and units sit in one of 64 partitions chosen by document id
(``milvus_schema.doc_partition``): a search restricted to a ward's documents reads only
their partitions. The chunks collection is created with the first embedding dimension and
pins the model (collection properties ``embedding_model``/``dimension``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from baocao.settings import Settings
from ingest.models import Chunk, DocumentMeta
from vectorstore.derived import chunk_unit_ids
from vectorstore.errors import StoreUnavailable, dimension_mismatch, model_mismatch
from vectorstore.lexical import lexical_tokens
from vectorstore.milvus_client import Serialised, lite_acquire, lite_release
from vectorstore.milvus_lexical import (
    MilvusLexical,
    TermTable,
    document_terms,
    set_signature,
    term_hex,
)
from vectorstore.milvus_schema import (
    DOC_PARTITIONS,
    PARTITIONED,
    TOP_K_LIMIT,
    chunk_row,
    create_chunks,
    create_documents,
    create_units,
    doc_partition,
    stored_chunk,
)
from vectorstore.ports import LexicalSide, StoredChunk, Unit, UnitHit

log = logging.getLogger(__name__)

_BATCH = 256
_CHUNK_FIELDS = ["id", "doc_id", "section", "position", "text", "meta"]


def _q(values: Sequence[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


class MilvusEngine:
    name = "milvus"

    def __init__(self, settings: Settings, model_name: str) -> None:
        from pymilvus import MilvusClient

        self.settings = settings
        uri = settings.milvus_target
        self.shared = not settings.uses_milvus_lite
        if not self.shared:
            if not uri.endswith(".db"):
                raise StoreUnavailable(
                    f"BAOCAO_MILVUS_URI={uri}: đường dẫn Milvus Lite phải kết thúc bằng .db "
                    "(hoặc dùng http://máy-chủ:19530 cho Milvus standalone/phân tán)."
                )
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        self._lite_path = None if self.shared else os.path.abspath(uri)
        try:
            client = MilvusClient(uri=uri)
            self._client: Any = client if self.shared else Serialised(client)
        except Exception as exc:
            hint = " (Milvus Lite: một tệp chỉ mở được từ một tiến trình)" if not self.shared else ""
            raise StoreUnavailable(f"Không mở được kho Milvus ({uri}){hint}: {exc}") from exc
        if self._lite_path is not None:
            lite_acquire(self._lite_path)
        self._model_name = model_name
        self._chunks_name = f"{settings.collection}_chunks"
        self._docs_name = f"{settings.collection}_documents"
        self._units_name = f"{settings.collection}_units"
        self._lock = threading.Lock()
        self.terms = TermTable(self._client, f"{settings.collection}_terms", self._docs_name)
        if not self._client.has_collection(self._docs_name):
            create_documents(self._client, self._docs_name)
            if not self.terms.exists():
                self.terms.create(set_signature([]))
        for name in (self._docs_name, self._units_name, self._chunks_name, self.terms.name):
            if self._client.has_collection(name):
                self._client.load_collection(name)  # a collection opens released
        props = self._properties() if self._client.has_collection(self._chunks_name) else {}
        self._dim: int | None = int(props["dimension"]) if "dimension" in props else None
        # stores written before documents had partitions keep everything in one
        self._parted = props.get(PARTITIONED) == str(DOC_PARTITIONS)
        self.check_model(model_name, None)

    # schema ----------------------------------------------------------------------------
    def _create_chunks(self, dim: int) -> None:
        create_units(self._client, self._units_name, dim)
        # the chunks collection last: its existence says the engine is ready (see ``_ready``)
        create_chunks(self._client, self._chunks_name, dim, self._model_name)
        self._dim = dim
        self._parted = True

    def _partition(self, doc_id: str) -> dict[str, str]:
        return {"partition_name": doc_partition(doc_id)} if self._parted else {}

    def _partitions(self, doc_ids: Sequence[str] | None) -> list[str] | None:
        """The partitions a search restricted to these documents reads (None: all)."""
        if not self._parted or doc_ids is None:
            return None
        names = sorted({doc_partition(d) for d in doc_ids})
        return names if 0 < len(names) <= DOC_PARTITIONS // 2 else None

    def _properties(self) -> dict[str, str]:
        desc = self._client.describe_collection(self._chunks_name)
        return {str(k): str(v) for k, v in (desc.get("properties") or {}).items()}

    def check_model(self, model_name: str, dimension: int | None) -> None:
        self._model_name = model_name
        if self._client.has_collection(self._chunks_name):
            props = self._properties()
            stored = props.get("embedding_model")
            if stored and stored != model_name:
                raise model_mismatch(self._chunks_name, stored, model_name)
            if dimension is not None and self._dim is not None and self._dim != dimension:
                raise dimension_mismatch(self._dim, model_name, dimension)
        elif dimension is not None:
            with self._lock:
                if not self._client.has_collection(self._chunks_name):
                    self._create_chunks(dimension)

    @property
    def _ready(self) -> bool:
        return self._dim is not None or self._client.has_collection(self._chunks_name)

    # writes ----------------------------------------------------------------------------
    def upsert_chunks(
        self, doc: DocumentMeta, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]
    ) -> None:
        if vectors and self._dim is None:
            self.check_model(self._model_name, len(vectors[0]))
        for s in range(0, len(chunks), _BATCH):
            rows = [
                chunk_row(doc, c, v)
                for c, v in zip(chunks[s : s + _BATCH], vectors[s : s + _BATCH], strict=True)
            ]
            self._client.upsert(self._chunks_name, rows, **self._partition(doc.doc_id))

    def upsert_units(
        self, doc: DocumentMeta, units: Sequence[Unit], vectors: Sequence[Sequence[float]]
    ) -> None:
        for s in range(0, len(units), _BATCH):
            rows = [
                {
                    "id": u.id,
                    "doc_id": doc.doc_id,
                    "parent": u.parent,
                    "order": u.order,
                    "text": u.text,
                    "vector": [float(x) for x in v],
                }
                for u, v in zip(units[s : s + _BATCH], vectors[s : s + _BATCH], strict=True)
            ]
            self._client.upsert(self._units_name, rows, **self._partition(doc.doc_id))

    def commit_record(self, doc: DocumentMeta, chunk_count: int, chunks: Sequence[Chunk]) -> None:
        terms = document_terms(chunks)
        row = {"id": doc.doc_id, "chunk_count": chunk_count, "record": doc.model_dump(), "terms": terms}
        self.terms.change(doc.doc_id, terms, 1, lambda: self._client.upsert(self._docs_name, [row]))
        if not self.shared:  # Milvus Lite searches flushed segments with their indexes
            if self._ready:
                self._client.flush(self._chunks_name)
                self._client.flush(self._units_name)
            self._client.flush(self._docs_name)

    def records(self) -> dict[str, tuple[DocumentMeta, int]]:
        out: dict[str, tuple[DocumentMeta, int]] = {}
        for row in self._query_all(self._docs_name, "", ["id", "chunk_count", "record"]):
            rec = dict(row.get("record") or {})
            rec["doc_id"] = row["id"]
            out[row["id"]] = (DocumentMeta.model_validate(rec), int(row.get("chunk_count", 0)))
        return out

    def drop_document(self, doc_id: str) -> None:
        rows = self._client.get(self._docs_name, ids=[doc_id], output_fields=["terms"])
        if rows:
            terms = {int(d): float(n) for d, n in dict(rows[0].get("terms") or {}).items()}
            self.terms.change(doc_id, terms, -1, lambda: self._client.delete(self._docs_name, ids=[doc_id]))
        else:
            self._client.delete(self._docs_name, ids=[doc_id])
        if self._ready:
            self._client.delete(self._chunks_name, filter=f"doc_id == {json.dumps(doc_id)}")
            self._client.delete(self._units_name, filter=f"doc_id == {json.dumps(doc_id)}")

    def drop_orphans(self, live: Sequence[str]) -> int:
        """Chunks and units of documents without a record; and the term table brought in step
        with the records (after an interrupted write, or a store from before the table)."""
        self.terms.sync(live)
        if not self._ready:
            return 0
        flt = f"not (doc_id in {_q(live)})" if live else ""
        removed = 0
        for name in (self._chunks_name, self._units_name):
            ids = [r["id"] for r in self._query_all(name, flt, ["id"])]
            for s in range(0, len(ids), 5000):
                self._client.delete(name, ids=ids[s : s + 5000])
            removed += len(ids)
        return removed

    def census(self) -> dict[str, tuple[int, int]]:
        out: dict[str, list[int]] = {}
        if self._ready:
            for slot, name in enumerate((self._chunks_name, self._units_name)):
                for r in self._query_all(name, "", ["doc_id"]):
                    out.setdefault(str(r["doc_id"]), [0, 0])[slot] += 1
        return {d: (n[0], n[1]) for d, n in out.items()}

    # reads -----------------------------------------------------------------------------
    def _query_all(
        self, name: str, flt: str, fields: list[str], page: int = 2000, partitions: list[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        parts = {"partition_names": partitions} if partitions else {}
        got = self._client.query(name, filter=flt, output_fields=["count(*)"], **parts)
        if int(got[0]["count(*)"]) < TOP_K_LIMIT:  # one request (the iterator is for big results)
            yield from self._client.query(name, filter=flt, output_fields=fields, limit=TOP_K_LIMIT, **parts)
            return
        it = self._client.query_iterator(name, batch_size=page, filter=flt, output_fields=fields, **parts)
        try:
            while True:
                batch = it.next()
                if not batch:
                    return
                yield from batch
        finally:
            it.close()

    def get(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        if not ids or not self._ready:
            return {}
        rows = self._client.get(self._chunks_name, ids=list(ids), output_fields=_CHUNK_FIELDS)
        return {str(r["id"]): stored_chunk(r) for r in rows}

    def iter_chunks(self, doc_ids: Sequence[str], page: int = 2000) -> Iterator[StoredChunk]:
        if not doc_ids or not self._ready:
            return
        flt = f"doc_id in {_q(doc_ids)}"
        for row in self._query_all(self._chunks_name, flt, _CHUNK_FIELDS, page, self._partitions(doc_ids)):
            yield stored_chunk(row)

    def find(self, doc_id: str, section: str | None = None, position: int | None = None) -> list[StoredChunk]:
        if not self._ready:
            return []
        flt = f"doc_id == {json.dumps(doc_id)}"
        if section is not None:
            flt += f" and section == {json.dumps(section, ensure_ascii=False)}"
        if position is not None:
            flt += f" and position == {int(position)}"
        rows = self._client.query(
            self._chunks_name,
            filter=flt,
            output_fields=_CHUNK_FIELDS,
            partition_names=self._partitions([doc_id]),
        )
        return sorted((stored_chunk(r) for r in rows), key=lambda c: c.position)

    def _search(
        self,
        collection: str,
        vector: Sequence[float],
        k: int,
        doc_ids: Sequence[str] | None,
        fields: list[str],
    ) -> list[tuple[Any, float]]:
        """Nearest rows by cosine, each with the store's distance: Milvus reports the
        similarity, the store's distance is 1 - similarity (as Chroma's)."""
        if not self._ready or k <= 0:
            return []
        res = self._client.search(
            collection,
            data=[[float(x) for x in vector]],
            anns_field="vector",
            limit=k,
            filter=f"doc_id in {_q(doc_ids)}" if doc_ids is not None else "",
            output_fields=fields,
            search_params={"metric_type": "COSINE", "params": {"ef": max(64, k)}},
            partition_names=self._partitions(doc_ids),
        )
        return [(h, 1.0 - float(h["distance"])) for h in res[0]]

    def dense(self, vector: Sequence[float], k: int, doc_ids: Sequence[str] | None) -> list[StoredChunk]:
        hits = self._search(self._chunks_name, vector, k, doc_ids, _CHUNK_FIELDS)
        return [stored_chunk(h, d) for h, d in hits]

    def dense_ids(
        self, vector: Sequence[float], k: int, doc_ids: Sequence[str] | None
    ) -> list[tuple[str, float]]:
        return [(str(h["id"]), d) for h, d in self._search(self._chunks_name, vector, k, doc_ids, ["id"])]

    def dense_units(self, vector: Sequence[float], k: int, doc_ids: Sequence[str] | None) -> list[UnitHit]:
        hits = self._search(self._units_name, vector, k, doc_ids, ["parent", "order", "text", "doc_id"])
        return [
            UnitHit(
                str(h["id"]),
                str(h["entity"].get("parent", "")),
                str(h["entity"].get("text", "")),
                int(h["entity"].get("order", 0)),
                d,
                str(h["entity"].get("doc_id", "")),
            )
            for h, d in hits
        ]

    def unit_vectors(self, chunk_ids: Sequence[str]) -> dict[str, list[tuple[str, list[float]]]]:
        """A chunk's units are read by primary key (their ids follow from the chunk's text): a
        filtered query scans every row in Milvus Lite. Units under other ids (a store written by
        another unit scheme) are found by their parent."""
        if not self._ready or not chunk_ids:
            return {}
        wanted = {uid: cid for cid, c in self.get(chunk_ids).items() for uid in chunk_unit_ids(cid, c.text)}
        rows = self._client.get(
            self._units_name, ids=list(wanted), output_fields=["parent", "order", "text", "vector"]
        )
        rows = [r for r in rows if wanted.get(str(r["id"])) == str(r["parent"])]
        missing = set(wanted.values()) - {str(r["parent"]) for r in rows}
        if missing:
            rows += self._client.query(
                self._units_name,
                filter=f"parent in {_q(sorted(missing))}",
                output_fields=["parent", "order", "text", "vector"],
                limit=TOP_K_LIMIT,
            )
        by: dict[str, list[tuple[int, str, list[float]]]] = {}
        for r in rows:
            by.setdefault(str(r["parent"]), []).append(
                (int(r["order"]), str(r["text"]), [float(x) for x in r["vector"]])
            )
        return {cid: [(t, v) for _, t, v in sorted(rs, key=lambda x: x[0])] for cid, rs in by.items()}

    def bm25(self, query: str, k: int, doc_ids: Sequence[str] | None) -> list[tuple[str, float, str]]:
        if not self._ready or k <= 0:
            return []
        toks = lexical_tokens(query)
        if not toks:
            return []
        res = self._client.search(
            self._chunks_name,
            data=[" ".join(term_hex(t) for t in toks)],
            anns_field="sparse",
            limit=k,
            filter=f"doc_id in {_q(doc_ids)}" if doc_ids is not None else "",
            output_fields=["doc_id"],
            search_params={"metric_type": "BM25"},
            partition_names=self._partitions(doc_ids),
        )
        # Milvus Lite reports BM25 scores negated (a distance); servers report the score
        return [
            (str(h["id"]), abs(float(h["distance"])), str(h["entity"].get("doc_id", "")))
            for h in res[0]
            if float(h["distance"]) != 0.0
        ]

    def make_lexical(
        self, committed: Callable[[], dict[str, int]], chunks: Callable[[list[str]], Iterator[StoredChunk]]
    ) -> LexicalSide:
        return MilvusLexical(self, committed)

    def changed_elsewhere(self) -> None:
        return None

    def close(self) -> None:
        try:
            self.terms.settle()
            self._client.close()
        except Exception:  # closing is best effort
            log.debug("closing the Milvus client failed", exc_info=True)
        if self._lite_path is not None:
            path, self._lite_path = self._lite_path, None
            lite_release(path)
