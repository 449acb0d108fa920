"""Milvus collections of the store: schemas and indexes (see ``vectorstore.milvus_engine``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from ingest.models import Chunk, DocumentMeta
from vectorstore.ports import StoredChunk

MAX_VARCHAR = 65535
TOP_K_LIMIT = 16384  # Milvus's largest top-k
BM25_K1, BM25_B = 1.2, 0.75  # as the bm25s side of Chroma
# Chunks and units live in one of DOC_PARTITIONS partitions chosen by their document's id, so a
# search restricted to a few documents (a ward's reports) reads only their partitions: Milvus
# Lite's search does per-row Python work over every row of the partitions it reads.
DOC_PARTITIONS = 64
PARTITIONED = "doc_partitions"  # collection property: the partition count of the scheme above


def doc_partition(doc_id: str) -> str:
    h = int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8"), digest_size=4).digest(), "big")
    return f"d{h % DOC_PARTITIONS:02d}"


def _add_partitions(client: Any, name: str) -> None:
    for i in range(DOC_PARTITIONS):
        client.create_partition(name, f"d{i:02d}")


def create_documents(client: Any, name: str) -> None:
    """One row per committed document: the record and its ``terms`` (token -> chunk count)."""
    from pymilvus import DataType, MilvusClient

    s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
    s.add_field("chunk_count", DataType.INT64)
    s.add_field("record", DataType.JSON)
    s.add_field("terms", DataType.SPARSE_FLOAT_VECTOR)
    ip = client.prepare_index_params()
    ip.add_index("terms", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    client.create_collection(name, schema=s, index_params=ip, consistency_level="Strong")


def create_units(client: Any, name: str, dim: int) -> None:
    """Sentence units: each chunk's sentences with their own vectors and the parent chunk id."""
    from pymilvus import DataType, MilvusClient

    u = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    u.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
    u.add_field("doc_id", DataType.VARCHAR, max_length=64)
    u.add_field("parent", DataType.VARCHAR, max_length=64)
    u.add_field("order", DataType.INT64)
    u.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR)
    u.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    ip = client.prepare_index_params()
    ip.add_index("vector", index_type="HNSW", metric_type="COSINE", params={"M": 16, "efConstruction": 200})
    ip.add_index("doc_id", index_type="INVERTED")
    ip.add_index("parent", index_type="INVERTED")
    client.create_collection(name, schema=u, index_params=ip, consistency_level="Strong")
    _add_partitions(client, name)


def create_chunks(client: Any, name: str, dim: int, model_name: str) -> None:
    """Chunks: vector, display text, JSON citation address, and ``lex`` (hashed lexical tokens)
    feeding a BM25 function; the collection properties pin the embedding model and dimension."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
    s.add_field("doc_id", DataType.VARCHAR, max_length=64)
    s.add_field("section", DataType.VARCHAR, max_length=8192)
    s.add_field("position", DataType.INT64)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    s.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR)
    s.add_field("meta", DataType.JSON)
    s.add_field(
        "lex",
        DataType.VARCHAR,
        max_length=MAX_VARCHAR,
        enable_analyzer=True,
        analyzer_params={"tokenizer": "standard"},
    )
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    s.add_function(
        Function(
            name="lex_bm25",
            function_type=FunctionType.BM25,
            input_field_names=["lex"],
            output_field_names=["sparse"],
        )
    )
    ip = client.prepare_index_params()
    ip.add_index("vector", index_type="HNSW", metric_type="COSINE", params={"M": 16, "efConstruction": 200})
    ip.add_index(
        "sparse",
        index_type="SPARSE_INVERTED_INDEX",
        metric_type="BM25",
        params={"bm25_k1": BM25_K1, "bm25_b": BM25_B},
    )
    ip.add_index("doc_id", index_type="INVERTED")
    client.create_collection(
        name,
        schema=s,
        index_params=ip,
        consistency_level="Strong",
        properties={"embedding_model": model_name, "dimension": str(dim), PARTITIONED: str(DOC_PARTITIONS)},
    )
    _add_partitions(client, name)


def create_terms(client: Any, name: str) -> None:
    """Term statistics: one row per lexical token (``id`` = its sparse dimension) with how many
    committed chunks hold it. Milvus wants a vector field in every collection: ``v`` is a
    constant placeholder, never searched."""
    from pymilvus import DataType, MilvusClient

    s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("df", DataType.INT64)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    ip = client.prepare_index_params()
    ip.add_index("v", index_type="FLAT", metric_type="L2")
    client.create_collection(name, schema=s, index_params=ip, consistency_level="Strong")


def chunk_row(doc: DocumentMeta, c: Chunk, vector: Sequence[float]) -> dict[str, Any]:
    """A chunk as a row of the chunks collection: the citation address in ``meta`` (JSON), the
    lexical tokens hashed into ``lex`` for the BM25 function."""
    from vectorstore.bm25_side import lexical_text
    from vectorstore.lexical import lexical_tokens
    from vectorstore.milvus_lexical import lex_field

    section = " > ".join(c.heading_path)
    meta = {
        "ward": doc.ward,
        "ward_kind": doc.ward_kind,
        "doc_type": doc.doc_type,
        "doc_number": doc.doc_number,
        "date": doc.date,
        "title": doc.title,
        "years": list(doc.years),
        "source": doc.source,
        "issuer": doc.issuer,
        "area_level": doc.area_level,
        "page": c.page,
        "ocr": c.ocr,
    }
    return {
        "id": c.id,
        "doc_id": c.doc_id,
        "section": section,
        "position": c.position,
        "vector": [float(x) for x in vector],
        "text": c.text,
        "meta": meta,
        "lex": lex_field(lexical_tokens(lexical_text(c.text, section))),
    }


def stored_chunk(row: dict[str, Any], distance: float | None = None) -> StoredChunk:
    ent = row.get("entity", row)
    m = dict(ent.get("meta") or {})
    page = m.get("page")
    return StoredChunk(
        chunk_id=str(row.get("id", ent.get("id"))),
        text=str(ent.get("text", "")),
        doc_id=str(ent.get("doc_id", "")),
        ward=str(m.get("ward", "")),
        ward_kind=str(m.get("ward_kind", "phường")),
        doc_type=str(m.get("doc_type", "")),
        doc_number=str(m.get("doc_number", "")),
        date=str(m.get("date", "")),
        title=str(m.get("title", "")),
        years=[int(y) for y in m.get("years") or []],
        source=str(m.get("source", "")),
        section=str(ent.get("section", "")),
        page=int(page) if page is not None else None,
        position=int(ent.get("position", 0)),
        ocr=bool(m.get("ocr", False)),
        issuer=str(m.get("issuer", "")),
        area_level=str(m.get("area_level", "")),
        distance=distance,
    )
