"""The lexical side of the Milvus engine: tokens written for the engine's BM25 function, BM25
search over committed chunks, and exact term statistics over the committed documents.

Term statistics live in a table (``<name>_terms``: token dimension -> chunk count) kept in step
with the commits and removals, so a question's document frequencies are one read by primary key.
A stamp row holds the signature (xor of per-document hashes) of the documents the counts are
for. A batch of writes marks it busy at its first change, sums its count changes in memory and,
when the batch ends (``TermTable.settle``: the index's lexical refresh, or closing), writes them
and stamps the new set. A reader uses the table only when the stamp matches the committed
documents it sees; otherwise (a batch in flight, an interrupted write, a store from before the
table) it sums the committed records' ``terms`` in the engine, as exact and slower, until the
next writer's recovery rebuilds the table (``TermTable.sync``)."""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from vectorstore.milvus_schema import MAX_VARCHAR, TOP_K_LIMIT, create_terms
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


STAMP_ID = -1  # the terms row whose ``df`` is the signature of the counted documents
BUSY = -1  # the stamp while a write changes counts (never a signature: those are >= 0)
_PAGE = 5000
_PENDING_MAX = 200_000  # count changes held before a batch writes them
_PLACEHOLDER = [0.0, 0.0]


def doc_signature(doc_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest(), "big") >> 2


def set_signature(doc_ids: Iterable[str]) -> int:
    sig = 0
    for d in doc_ids:
        sig ^= doc_signature(d)
    return sig


def document_terms(chunks: Sequence[Any]) -> dict[int, float]:
    """A document's ``terms``: how many of its chunks hold each lexical token (by dimension),
    with the sentinel dimension 0 (a sparse vector is never empty)."""
    from vectorstore.bm25_side import lexical_text
    from vectorstore.lexical import lexical_tokens

    terms: dict[int, float] = {0: 1.0}
    for c in chunks:
        for t in set(lexical_tokens(lexical_text(c.text, " > ".join(c.heading_path)))):
            d = term_dim(t)
            terms[d] = terms.get(d, 0.0) + 1.0
    return terms


class TermTable:
    """Chunk counts per token over the committed documents (see the module docstring)."""

    def __init__(self, client: Any, name: str, records: str) -> None:
        """Only read by key: reads see written rows without a flush, also in Milvus Lite."""
        self._client = client
        self.name = name
        self._records = records  # the documents collection: each committed record's ``terms``
        self._batch: int | None = None  # while a batch is open: the signature its counts will have
        self._pending: dict[int, int] = {}  # the batch's count changes by dimension

    def exists(self) -> bool:
        return bool(self._client.has_collection(self.name))

    def drop(self) -> None:
        if self.exists():
            self._client.drop_collection(self.name)

    def create(self, stamp: int) -> None:
        create_terms(self._client, self.name)
        self._set_stamp(stamp)

    def _set_stamp(self, value: int) -> None:
        self._client.upsert(self.name, [{"id": STAMP_ID, "df": value, "v": _PLACEHOLDER}])

    def read(self, dims: Sequence[int]) -> tuple[int | None, dict[int, int]]:
        """(the stamp, counts of these dimensions): one read."""
        rows = self._client.get(self.name, ids=[STAMP_ID, *dims], output_fields=["df"])
        got = {int(r["id"]): int(r["df"]) for r in rows}
        return got.pop(STAMP_ID, None), got

    def change(self, doc_id: str, terms: dict[int, float], sign: int, write: Callable[[], None]) -> None:
        """Add (``sign`` 1) or subtract (-1) a document's counts with ``write``, the change of its
        record. The first change of a batch marks the table busy; the counts of the batch are
        summed in memory and written by ``settle`` (end of the batch, or when they grow large):
        documents of one batch share most tokens. Counts already out of step stay marked so
        (``sync`` rebuilds them); so do those of a writer that dies before settling."""
        if not self.exists():
            write()
            return
        if self._batch is None:
            stamp, _ = self.read([])
            self._set_stamp(BUSY)
            self._batch = stamp if stamp is not None and stamp >= 0 else BUSY
        try:
            write()
        except BaseException:
            self._batch = BUSY  # the record may or may not have changed: leave the table marked
            raise
        if self._batch == BUSY:
            return
        for d, n in terms.items():
            if d != 0:
                self._pending[d] = self._pending.get(d, 0) + sign * round(n)
        self._batch ^= doc_signature(doc_id)
        if len(self._pending) > _PENDING_MAX:
            self.settle()

    def settle(self) -> None:
        """Write the batch's summed counts and stamp the documents they are now for."""
        batch, pending = self._batch, self._pending
        self._batch, self._pending = None, {}
        if batch is None or batch == BUSY or self.read([])[0] != BUSY:
            return  # out of step, or another writer rebuilt or stamped the table meanwhile
        dims = [d for d, n in pending.items() if n]
        for s in range(0, len(dims), _PAGE):
            part = dims[s : s + _PAGE]
            _, have = self.read(part)
            new = {d: have.get(d, 0) + pending[d] for d in part}
            keep = [{"id": d, "df": n, "v": _PLACEHOLDER} for d, n in new.items() if n > 0]
            gone = [d for d, n in new.items() if n <= 0 and d in have]
            if keep:
                self._client.upsert(self.name, keep)
            if gone:
                self._client.delete(self.name, ids=gone)
        self._set_stamp(batch)

    def summed(self, tokens: Sequence[str], doc_ids: Sequence[str]) -> list[int]:
        """Counts without the table: each token's chunk counts summed over the records of
        ``doc_ids`` by a sparse search in the engine (exact; one hit per document holding it)."""
        if not tokens:
            return []
        allowed = set(doc_ids)
        res = self._client.search(
            self._records,
            data=[{term_dim(t): 1.0} for t in tokens],
            anns_field="terms",
            limit=TOP_K_LIMIT,
            output_fields=["id"],
            search_params={"metric_type": "IP"},
        )
        return [round(sum(float(h["distance"]) for h in hits if h["id"] in allowed)) for hits in res]

    def _record_terms(self) -> Iterator[tuple[str, dict[int, float]]]:
        it = self._client.query_iterator(
            self._records, batch_size=500, filter="", output_fields=["id", "terms"]
        )
        try:
            while batch := it.next():
                for row in batch:
                    yield str(row["id"]), dict(row.get("terms") or {})
        finally:
            it.close()

    def sync(self, live: Sequence[str]) -> bool:
        """Rebuild the counts from the committed records unless they are already those of
        ``live``; True when rebuilt. Writers only (under the index's write lock)."""
        want = set_signature(live)
        if self.exists() and self.read([])[0] == want:
            return False
        self._batch, self._pending = None, {}  # the rebuild counts what a batch held too
        alive = set(live)
        sums: dict[int, int] = {}
        for doc_id, terms in self._record_terms():
            if doc_id in alive:
                for d, n in terms.items():
                    if int(d) != 0:
                        sums[int(d)] = sums.get(int(d), 0) + round(float(n))
        self.drop()
        create_terms(self._client, self.name)
        rows = [{"id": d, "df": n, "v": _PLACEHOLDER} for d, n in sums.items()]
        for s in range(0, len(rows), _PAGE):
            self._client.insert(self.name, rows[s : s + _PAGE])
        self._set_stamp(want)
        log.info("term statistics rebuilt: %d tokens over %d documents", len(sums), len(alive))
        return True


class MilvusTermStats:
    """df/idf over the committed chunks, read from the engine and cached per committed set."""

    def __init__(self, engine: MilvusEngine, committed: Sequence[str], n_chunks: int) -> None:
        self._engine = engine
        self._committed = list(committed)
        self._signature = set_signature(committed)
        self.n = n_chunks
        self._df: dict[str, int] = {}

    def prefetch(self, tokens: Sequence[str]) -> None:
        todo = [t for t in dict.fromkeys(tokens) if t not in self._df]
        if not todo or not self._committed:
            return
        table = self._engine.terms
        if table.exists():
            stamp, counts = table.read([term_dim(t) for t in todo])
            if stamp == self._signature:
                self._df.update((t, counts.get(term_dim(t), 0)) for t in todo)
                return
        self._df.update(zip(todo, table.summed(todo, self._committed), strict=True))

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
        """After a batch of writes: its term counts are written (``TermTable.settle``)."""
        self._engine.terms.settle()
        self._stats = None
