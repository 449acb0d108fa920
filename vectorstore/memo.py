"""A bounded, thread-safe memo of per-chunk reads (chunk ids are content hashes, so a cached
value stays right until the document is removed; the index empties it when the committed
documents change)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

V = TypeVar("V")


class ChunkMemo(Generic[V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._rows: OrderedDict[str, V | None] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()

    def get_many(self, ids: Iterable[str], fetch: Callable[[list[str]], dict[str, V]]) -> dict[str, V]:
        """The values of ``ids`` (ids ``fetch`` does not return are remembered as absent)."""
        ids = list(dict.fromkeys(ids))
        with self._lock:
            missing = [c for c in ids if c not in self._rows]
        got = fetch(missing) if missing else {}
        out: dict[str, V] = {}
        with self._lock:
            for c in missing:
                self._rows[c] = got.get(c)
            for c in ids:
                if c in self._rows:
                    self._rows.move_to_end(c)
                    value = self._rows[c]
                    if value is not None:
                        out[c] = value
                elif c in got:  # cleared meanwhile
                    out[c] = got[c]
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)
        return out
