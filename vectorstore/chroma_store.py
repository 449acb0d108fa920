"""Chroma client and collections: embedded ``PersistentClient`` or a Chroma server.

Two collections:
* ``<name>_chunks`` — one record per chunk, our own embeddings (never Chroma's
  default embedding function); its metadata pins the embedding model and dimension.
* ``<name>_documents`` — one record per *committed* document. A document record is
  written only after all its chunks are in, so it is the commit marker: chunks
  without a document record are orphans from an interrupted ingest.
"""

from __future__ import annotations

import logging
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings

from baocao.settings import Settings
from vectorstore.errors import EmbeddingModelMismatch, StoreUnavailable, dimension_mismatch, model_mismatch

log = logging.getLogger(__name__)

ChromaUnavailable = StoreUnavailable  # the name callers used before the Milvus backend
__all__ = ["ChromaUnavailable", "EmbeddingModelMismatch", "StoreUnavailable"]


def make_client(settings: Settings) -> Any:
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.uses_chroma_server:
            return chromadb.HttpClient(
                host=settings.chroma_host or "127.0.0.1", port=settings.chroma_port, settings=chroma_settings
            )
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    except Exception as exc:
        where = (
            f"máy chủ Chroma {settings.chroma_host}:{settings.chroma_port}"
            if settings.uses_chroma_server
            else f"thư mục {settings.chroma_dir}"
        )
        raise StoreUnavailable(f"Không mở được kho Chroma ({where}): {exc}") from exc


def chunks_collection(client: Any, settings: Settings, model_name: str, kind: str = "chunks") -> Any:
    """The chunk (or sentence-unit, ``kind="units"``) collection, created for ``model_name``
    or checked against it."""
    name = f"{settings.collection}_{kind}"
    col = client.get_or_create_collection(
        name=name,
        embedding_function=None,
        metadata={"hnsw:space": "cosine", "embedding_model": model_name},
    )
    stored = (col.metadata or {}).get("embedding_model")
    if stored and stored != model_name:
        raise model_mismatch(name, stored, model_name)
    return col


def documents_collection(client: Any, settings: Settings) -> Any:
    return client.get_or_create_collection(
        name=f"{settings.collection}_documents",
        embedding_function=None,
        metadata={"hnsw:space": "cosine"},
    )


def check_dimension(col: Any, model_name: str, dimension: int) -> None:
    """Record the dimension on first use; refuse a model with another dimension."""
    meta = dict(col.metadata or {})
    stored = meta.get("dimension")
    if stored is None:
        meta.update({"embedding_model": model_name, "dimension": dimension})
        meta.pop("hnsw:space", None)  # immutable after creation; modify() rejects it
        col.modify(metadata=meta)
    elif int(stored) != dimension:
        raise dimension_mismatch(int(stored), model_name, dimension)
