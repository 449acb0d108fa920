"""Persistent embedding cache: one vector per (model variant, text), shared by processes.

Re-ingesting after a pipeline-version change, or a report that repeats passages of another,
finds most of its texts here and embeds only the new ones. Keys are the sha256 of the exact
text given to the model (prefix included, so ``query:`` and ``passage:`` never collide) under
a model key that names the model *and* how it runs (backend, precision, weights fingerprint):
an int8 ONNX vector is never served to a torch run.

Storage is one SQLite file in WAL mode: many readers and one writer at a time across
processes, ``INSERT OR REPLACE`` so two processes embedding the same text concurrently both
succeed (either row is right), a busy timeout instead of errors under contention. A damaged or unwritable cache is
logged and bypassed — it never fails an ingest.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    key BLOB NOT NULL,
    dim INTEGER NOT NULL,
    vec BLOB NOT NULL,
    PRIMARY KEY (model, key)
) WITHOUT ROWID
"""
_LOOKUP_BATCH = 500  # below SQLite's host-parameter limit


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    """Vectors by (model key, sha256(text)) in ``path`` (an SQLite file)."""

    def __init__(self, path: Path, model_key: str, timeout_s: float = 60.0) -> None:
        self.path = Path(path)
        self.model_key = model_key
        self._timeout_s = timeout_s
        self._local = threading.local()
        self._broken = False
        self.hits = 0
        self.misses = 0

    # connection --------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection | None:
        if self._broken:
            return None
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self._timeout_s, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            self._disable(exc)
            return None
        self._local.conn = conn
        return conn

    def _disable(self, exc: BaseException) -> None:
        log.warning("embedding cache %s unusable, embedding without it: %s", self.path, exc)
        self._broken = True

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # reads and writes --------------------------------------------------------------------
    def get_many(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        """The cached vector of each text, or ``None`` where there is none."""
        out: list[np.ndarray | None] = [None] * len(texts)
        conn = self._conn()
        if conn is None or not texts:
            return out
        keys = [text_key(t) for t in texts]
        positions: dict[bytes, list[int]] = {}
        for i, k in enumerate(keys):
            positions.setdefault(k, []).append(i)
        unique = list(positions)
        try:
            for s in range(0, len(unique), _LOOKUP_BATCH):
                part = unique[s : s + _LOOKUP_BATCH]
                marks = ",".join("?" * len(part))
                rows = conn.execute(
                    f"SELECT key, dim, vec FROM vectors WHERE model = ? AND key IN ({marks})",
                    [self.model_key, *part],
                ).fetchall()
                for key, dim, blob in rows:
                    vec = np.frombuffer(blob, dtype=np.float32)
                    if vec.shape[0] != dim:
                        continue  # torn or foreign row: treat as a miss, it is overwritten below
                    for i in positions[bytes(key)]:
                        out[i] = vec
        except sqlite3.Error as exc:
            self._disable(exc)
            return [None] * len(texts)
        return out

    def put_many(self, texts: Sequence[str], vectors: Sequence[Sequence[float]] | np.ndarray) -> None:
        conn = self._conn()
        if conn is None or not len(texts):
            return
        arr = np.asarray(vectors, dtype=np.float32)
        rows = [
            (self.model_key, text_key(t), int(arr.shape[1]), arr[i].tobytes()) for i, t in enumerate(texts)
        ]
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "INSERT OR REPLACE INTO vectors (model, key, dim, vec) VALUES (?,?,?,?)", rows
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            self._disable(exc)

    def count(self) -> int:
        conn = self._conn()
        if conn is None:
            return 0
        return int(
            conn.execute("SELECT COUNT(*) FROM vectors WHERE model = ?", [self.model_key]).fetchone()[0]
        )

    # the one operation callers need ------------------------------------------------------
    def embed(self, texts: Sequence[str], compute: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors for ``texts``: cached ones read, the rest computed once each and stored."""
        found = self.get_many(texts)
        missing: dict[str, list[int]] = {}
        for i, (t, v) in enumerate(zip(texts, found, strict=True)):
            if v is None:
                missing.setdefault(t, []).append(i)
        self.misses += len(missing)
        self.hits += len(texts) - sum(len(v) for v in missing.values())
        if missing:
            todo = list(missing)
            fresh = np.asarray(compute(todo), dtype=np.float32)
            self.put_many(todo, fresh)
            for t, vec in zip(todo, fresh, strict=True):
                for i in missing[t]:
                    found[i] = vec
        if not found:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([v for v in found if v is not None])
