"""The lexical side of engines without built-in BM25 (Chroma): a bm25s index beside the store.

The index is derived state: it holds exactly the committed chunks, named by a fingerprint
of the committed document ids, persisted in the data dir and rebuilt from the engine's
chunks whenever the fingerprint is stale (another process wrote, or a crash).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from vectorstore.lexical import LEXICAL_VERSION, LexicalIndex
from vectorstore.ports import StoredChunk, TermStats

log = logging.getLogger(__name__)


def lexical_text(text: str, section: str) -> str:
    """What the lexical side indexes for a chunk: its heading path, then its text."""
    return f"{section}\n{text}"


def fingerprint(committed: Sequence[str]) -> str:
    ids = "\n".join([LEXICAL_VERSION, *sorted(committed)])
    return hashlib.sha256(ids.encode()).hexdigest()[:16]


class Bm25Side:
    """bm25s over the committed chunks; ``committed`` and ``chunks`` come from the ``Index``."""

    def __init__(
        self,
        directory: Path,
        committed: Callable[[], Sequence[str]],
        chunks: Callable[[list[str]], Iterator[StoredChunk]],
    ) -> None:
        self.directory = directory
        self._committed = committed
        self._chunks = chunks
        self._index: LexicalIndex | None = None
        self._lock = threading.Lock()

    def current(self) -> LexicalIndex:
        docs = list(self._committed())
        fp = fingerprint(docs)
        if self._index is not None and self._index.fingerprint == fp:
            return self._index
        with self._lock:
            if self._index is None or self._index.fingerprint != fp:
                self._index = self._load_or_build(docs, fp)
        return self._index

    def search(self, query: str, k: int, allowed_docs: set[str] | None = None) -> list[tuple[str, float]]:
        return self.current().search(query, k, allowed_docs=allowed_docs)

    def stats(self) -> TermStats:
        return self.current()

    def refresh(self, committed: Sequence[str], force_save: bool = False) -> None:
        fp = fingerprint(committed)
        with self._lock:
            self._index = self._load_or_build(list(committed), fp)

    def _load_or_build(self, docs: list[str], fp: str) -> LexicalIndex:
        on_disk = LexicalIndex.load(self.directory)
        if on_disk is not None and on_disk.fingerprint == fp:
            return on_disk
        t0 = time.perf_counter()
        ids, texts, doc_ids = [], [], []
        for c in self._chunks(docs):
            ids.append(c.chunk_id)
            texts.append(lexical_text(c.text, c.section))
            doc_ids.append(c.doc_id)
        lex = LexicalIndex.build(ids, texts, doc_ids, fp)
        try:
            lex.save(self.directory)
        except OSError:
            log.warning("could not save the lexical index", exc_info=True)
        log.info("lexical index rebuilt: %d chunks in %.2fs", len(ids), time.perf_counter() - t0)
        return lex
