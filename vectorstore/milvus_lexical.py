"""The lexical side of the Milvus engine: tokens written for the engine's BM25 function, BM25
search over committed chunks, and exact term statistics from the committed document records."""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from vectorstore.milvus_schema import MAX_VARCHAR
from vectorstore.ports import TermStats

if TYPE_CHECKING:
    from vectorstore.milvus_engine import MilvusEngine

log = logging.getLogger(__name__)


def term_hex(token: str) -> str:
    return hashlib.blake2b(token.encode("utf-8"), digest_size=6).hexdigest()


def term_dim(token: str) -> int:
    h = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=4).digest(), "big")
    return h % 4294967294 + 1  # 0 is the sentinel dimension (a sparse vector is never empty)


def lex_field(tokens: Sequence[str]) -> str:
    out = " ".join(term_hex(t) for t in tokens)
    if len(out) > MAX_VARCHAR:
        log.warning("lexical field truncated (%d tokens)", len(tokens))
        out = out[: MAX_VARCHAR - (MAX_VARCHAR % 13)].rstrip()
    return out


class MilvusTermStats:
    """df/idf over the committed chunks, read from the engine and cached per committed set."""

    def __init__(self, engine: MilvusEngine, committed: Sequence[str], n_chunks: int) -> None:
        self._engine = engine
        self._committed = list(committed)
        self.n = n_chunks
        self._df: dict[str, int] = {}

    def prefetch(self, tokens: Sequence[str]) -> None:
        todo = [t for t in dict.fromkeys(tokens) if t not in self._df]
        if todo and self._committed:
            self._df.update(zip(todo, self._engine.term_df(todo, self._committed), strict=True))

    def df(self, token: str) -> int:
        if token not in self._df:
            self.prefetch([token])
        return self._df.get(token, 0)

    def idf(self, token: str) -> float:
        df = self.df(token)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))


class MilvusLexical:
    """BM25 in the engine; term statistics from the committed document records."""

    def __init__(self, engine: MilvusEngine, committed: Callable[[], dict[str, int]]) -> None:
        self._engine = engine
        self._committed = committed
        self._stats: tuple[frozenset[str], MilvusTermStats] | None = None

    def search(self, query: str, k: int, allowed_docs: set[str] | None = None) -> list[tuple[str, float]]:
        committed = self._committed()
        if allowed_docs is not None:
            docs = [d for d in allowed_docs if d in committed]
            return [(c, s) for c, s, _ in self._engine.bm25(query, k, docs)] if docs else []
        if not committed:
            return []
        # unfiltered first (no id list in the request); orphans of an interrupted write are dropped
        hits = self._engine.bm25(query, k + 10, None)
        kept = [(c, s) for c, s, d in hits if d in committed]
        if len(kept) >= k or len(hits) < k + 10:
            return kept[:k]
        return [(c, s) for c, s, _ in self._engine.bm25(query, k, list(committed))]

    def stats(self) -> TermStats:
        committed = self._committed()
        key = frozenset(committed)
        if self._stats is None or self._stats[0] != key:
            self._stats = (key, MilvusTermStats(self._engine, sorted(key), sum(committed.values())))
        return self._stats[1]

    def refresh(self, committed: Sequence[str], force_save: bool = False) -> None:
        self._stats = None
