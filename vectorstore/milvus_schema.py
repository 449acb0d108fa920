"""Milvus collections of the store: schemas and indexes (see ``vectorstore.milvus_engine``)."""

from __future__ import annotations

from typing import Any

MAX_VARCHAR = 65535
BM25_K1, BM25_B = 1.2, 0.75  # as the bm25s side of Chroma


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
        properties={"embedding_model": model_name, "dimension": str(dim)},
    )
