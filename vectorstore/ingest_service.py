"""The one ingest service: file → ``ParsedDocument`` → index (+ hooks) → lexical refresh.

The CLI (``python -m ingest add``), the UI upload, the tests and the benchmarks all add
documents through ``IngestService``, so the steps are written once:
1. parse (``ingest.pipeline.parse_file``; nothing is written when it fails);
2. index: ``Index.add_document`` — chunks, sentence units and the document hooks
   (derived tables such as the indicators) in one write step, then the commit record;
3. after a batch, ``finish()`` brings the lexical side up to date once.

This module is also the composition root of ``python -m ingest``: ``main`` hands the
index-writing commands of ``ingest.cli`` a store, so that ``ingest/`` never imports
the vector store (data flows ingest → vectorstore).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from baocao.settings import Settings, load_settings
from ingest.models import DocumentMeta, ParsedDocument
from vectorstore.embeddings import Embedder
from vectorstore.index import Index
from vectorstore.ports import AddResult, DocumentHook

log = logging.getLogger(__name__)


class IngestService:
    """Adds and removes documents; owns the index it opened (``close`` closes it)."""

    def __init__(
        self,
        settings: Settings,
        index: Index | None = None,
        embedder: Embedder | None = None,
        hooks: Sequence[DocumentHook] = (),
    ) -> None:
        self.settings = settings
        self._owns = index is None
        self.index = index if index is not None else Index(settings, embedder, hooks)
        if index is not None:
            self.index.hooks.extend(h for h in hooks if h not in self.index.hooks)
        self._dirty = False

    # writes ------------------------------------------------------------------------------
    def parse(self, path: Path, ward: str | None = None) -> ParsedDocument:
        from ingest.pipeline import parse_file

        return parse_file(path, self.settings, ward=ward)

    def add_parsed(self, parsed: ParsedDocument) -> AddResult:
        res = self.index.add_document(parsed)
        self._dirty = self._dirty or res.status != "unchanged"
        return res

    def add_file(self, path: Path, ward: str | None = None) -> tuple[ParsedDocument, AddResult]:
        """Parse and index one file (raises ``IngestError`` before anything is written)."""
        parsed = self.parse(path, ward)
        return parsed, self.add_parsed(parsed)

    # ``ingest.cli`` calls the store with the index's names
    def add_document(self, parsed: ParsedDocument) -> AddResult:
        return self.add_parsed(parsed)

    def remove_document(self, key: str) -> DocumentMeta | None:
        return self.index.remove_document(key)  # the index refreshes its lexical side itself

    def finish(self) -> None:
        """After a batch: the lexical side and derived state follow the committed documents."""
        if self._dirty:
            self.index.refresh_lexical(force_save=True)
            self._dirty = False

    # reads -------------------------------------------------------------------------------
    def documents(self, fresh: bool = False) -> dict[str, DocumentMeta]:
        return self.index.documents(fresh=fresh)

    def list_documents(self) -> list[DocumentMeta]:
        return self.index.list_documents()

    def close(self) -> None:
        try:
            self.finish()
        finally:
            if self._owns:
                self.index.close()


def open_service(settings: Settings) -> IngestService:
    return IngestService(settings)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ingest …`` with the store wired in."""
    from ingest import cli

    cli.STORE_FACTORY = open_service
    return cli.main(argv)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())


__all__ = ["IngestService", "load_settings", "main", "open_service"]
