"""The indicator table: every extracted figure as a row of SQLite, beside the index.

Narrow API: ``replace_document(doc_id, records)``, ``delete_document(doc_id)``,
``query(IndicatorFilter)``, ``doc_ids()``. The index writes a document's rows in the same
write step as its chunks and removes them with it. The table is derived data: the
extractor version is stored with it, and ``sync`` re-extracts what is missing or stale
(``ingest.indicators.EXTRACTOR_VERSION`` changed, a crash between writes) from the
stored chunks.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from baocao.vntext import fold, match_key
from ingest.indicators import EXTRACTOR_VERSION, IndicatorRecord

log = logging.getLogger(__name__)

FILE_NAME = "indicators.sqlite"
_COLUMNS = list(IndicatorRecord.model_fields)
_COLS_SQL = ", ".join(f'"{c}"' for c in _COLUMNS)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS documents (doc_id TEXT PRIMARY KEY, version TEXT, n INTEGER);
CREATE TABLE IF NOT EXISTS figures (
    rowid INTEGER PRIMARY KEY,
    {_COLS_SQL},
    indicator_key TEXT
);
CREATE INDEX IF NOT EXISTS figures_doc ON figures(doc_id);
CREATE INDEX IF NOT EXISTS figures_ward ON figures(ward, year);
CREATE INDEX IF NOT EXISTS figures_ind ON figures(indicator_key);
"""


def indicator_key(text: str) -> str:
    """Accent- and case-insensitive form used to look an indicator up."""
    return " ".join(fold(match_key(text)).split())


@dataclass
class IndicatorFilter:
    wards: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    indicator: str = ""  # substring of the indicator name (accents optional)
    kinds: list[str] = field(default_factory=list)
    doc_ids: list[str] | None = None


class IndicatorStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        with self._conn:
            self._conn.executescript(_SCHEMA)

    # writes ----------------------------------------------------------------------------
    def replace_document(self, doc_id: str, records: Iterable[IndicatorRecord]) -> int:
        rows = [r.model_dump() for r in records]
        with self._lock, self._conn:
            self._conn.execute("DELETE FROM figures WHERE doc_id = ?", (doc_id,))
            self._conn.executemany(
                f"INSERT INTO figures ({_COLS_SQL}, indicator_key) "
                f"VALUES ({', '.join('?' for _ in _COLUMNS)}, ?)",
                [[_cell(r[c]) for c in _COLUMNS] + [indicator_key(r["indicator"])] for r in rows],
            )
            self._conn.execute(
                "INSERT OR REPLACE INTO documents VALUES (?, ?, ?)", (doc_id, EXTRACTOR_VERSION, len(rows))
            )
        return len(rows)

    def delete_document(self, doc_id: str) -> None:
        with self._lock, self._conn:
            self._conn.execute("DELETE FROM figures WHERE doc_id = ?", (doc_id,))
            self._conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    # reads -----------------------------------------------------------------------------
    def doc_versions(self) -> dict[str, str]:
        with self._lock:
            return dict(self._conn.execute("SELECT doc_id, version FROM documents").fetchall())

    def query(self, flt: IndicatorFilter | None = None) -> list[IndicatorRecord]:
        flt = flt or IndicatorFilter()
        where: list[str] = []
        args: list[object] = []
        if flt.wards:
            where.append(f"ward IN ({', '.join('?' for _ in flt.wards)})")
            args += flt.wards
        if flt.years:
            where.append(f"year IN ({', '.join('?' for _ in flt.years)})")
            args += flt.years
        if flt.kinds:
            where.append(f"kind IN ({', '.join('?' for _ in flt.kinds)})")
            args += flt.kinds
        if flt.doc_ids is not None:
            if not flt.doc_ids:
                return []
            where.append(f"doc_id IN ({', '.join('?' for _ in flt.doc_ids)})")
            args += flt.doc_ids
        if flt.indicator.strip():
            where.append("indicator_key LIKE ?")
            args.append(f"%{indicator_key(flt.indicator)}%")
        sql = f"SELECT {_COLS_SQL} FROM figures"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY ward, year, doc_id, rowid"
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [IndicatorRecord.model_validate(_row(dict(zip(_COLUMNS, r, strict=True)))) for r in rows]

    # upkeep ----------------------------------------------------------------------------
    def sync(
        self, committed: Iterable[str], extract: Callable[[str], list[IndicatorRecord]]
    ) -> tuple[int, int]:
        """Drop rows of documents no longer committed; (re)extract missing or stale ones."""
        live = set(committed)
        have = self.doc_versions()
        dropped = [d for d in have if d not in live]
        for d in dropped:
            self.delete_document(d)
        todo = [d for d in live if have.get(d) != EXTRACTOR_VERSION]
        for d in todo:
            self.replace_document(d, extract(d))
        if dropped or todo:
            log.info("indicator table synced: %d dropped, %d (re)extracted", len(dropped), len(todo))
        return len(dropped), len(todo)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _cell(v: object) -> object:
    return json.dumps(v) if isinstance(v, list | dict) else v


def _row(d: dict[str, object]) -> dict[str, object]:
    d["catalogued"] = bool(d.get("catalogued"))
    return d
