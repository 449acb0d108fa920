"""Embeddings with ONNX Runtime: the exported graph of :mod:`vectorstore.onnx_export`.

Neither torch nor transformers is imported here: the ``tokenizers`` library tokenises (with the
model's own ``tokenizer.json``, truncation and padding as sentence-transformers does them) and
one ONNX Runtime session per thread setting runs the graph. Thread pools belong to the session,
so thread counts are per model and per kind of work (a query session and a batch session,
each created on first use), never process-wide; spinning is off so idle pools do not burn the
shared cores.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from vectorstore.onnx_export import CONFIG_NAME, FP32_NAME, INT8_NAME, read_config

log = logging.getLogger(__name__)

PRECISIONS = {"int8": INT8_NAME, "fp32": FP32_NAME}


class OnnxSession:
    """One ONNX Runtime session (fixed thread count) plus the model's tokenizer."""

    def __init__(self, onnx_dir: Path, precision: str, threads: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        onnx_dir = Path(onnx_dir)
        cfg = read_config(onnx_dir)
        self.inputs: list[str] = list(cfg["inputs"])
        self.do_lower_case = bool(cfg.get("do_lower_case", False))
        self.tokenizer = Tokenizer.from_file(str(onnx_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=int(cfg["max_seq_length"]))
        self.tokenizer.enable_padding(pad_id=int(cfg["pad_id"]), pad_token=str(cfg["pad_token"]))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, int(threads))
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3
        self.threads = opts.intra_op_num_threads
        self.session = ort.InferenceSession(
            str(onnx_dir / PRECISIONS[precision]), opts, providers=["CPUExecutionProvider"]
        )

    def _feed(self, texts: list[str]) -> dict[str, np.ndarray]:
        if self.do_lower_case:
            texts = [t.lower() for t in texts]
        enc = self.tokenizer.encode_batch(texts)
        arrays = {
            "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
        }
        return {name: arrays[name] for name in self.inputs}

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """L2-normalised embeddings, batched longest first (little padding), in input order."""
        out = np.zeros((len(texts), 0), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for s in range(0, len(order), max(1, batch_size)):
            idx = order[s : s + batch_size]
            vecs = np.asarray(self.session.run(None, self._feed([texts[i] for i in idx]))[0], np.float32)
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
            out[idx] = vecs
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


class OnnxEmbedder(Embeddings):
    """An :class:`~vectorstore.embeddings.Embedder` on ONNX Runtime."""

    backend = "onnx"

    def __init__(
        self,
        name: str,
        onnx_dir: Path,
        *,
        precision: str = "int8",
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 16,
        query_threads: int = 1,
        batch_threads: int = 1,
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {sorted(PRECISIONS)}, got {precision!r}")
        self.name = name
        self.onnx_dir = Path(onnx_dir)
        self.precision = precision
        self.variant = f"onnx-{precision}"
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self.batch_size = batch_size
        self.query_threads, self.batch_threads = query_threads, batch_threads
        self._sessions: dict[int, OnnxSession] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._create_lock = threading.Lock()
        cfg = read_config(self.onnx_dir)
        self._dimension = int(cfg.get("dimension") or 0)
        self.session_for(query=True)  # fail at load time, not on the first question
        if not self._dimension:
            self._dimension = len(self.embed_query("x"))

    @property
    def dimension(self) -> int:
        return self._dimension

    def session_for(self, query: bool) -> tuple[OnnxSession, threading.Lock]:
        threads = self.query_threads if query else self.batch_threads
        with self._create_lock:
            if threads not in self._sessions:
                log.info("ONNX session %s (%s, %d threads)", self.name, self.precision, threads)
                self._sessions[threads] = OnnxSession(self.onnx_dir, self.precision, threads)
                self._locks[threads] = threading.Lock()
            return self._sessions[threads], self._locks[threads]

    def encode(self, texts: list[str], query: bool = False) -> np.ndarray:
        sess, lock = self.session_for(query)
        with lock:
            return sess.encode(texts, self.batch_size)

    def embed_query(self, text: str) -> list[float]:
        return self.encode([self.query_prefix + text], query=True)[0].tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self.encode([self.passage_prefix + t for t in texts]).tolist()

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "precision": self.precision,
            "query_threads": self.query_threads,
            "batch_threads": self.batch_threads,
            "dir": str(self.onnx_dir / CONFIG_NAME),
        }
