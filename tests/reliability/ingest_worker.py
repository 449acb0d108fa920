"""Subprocess ingest worker for the crash and concurrency tests.

    python -m tests.reliability.ingest_worker DATA_DIR --n 8 [--version 2] [--slow-commit 5]
        [--slow-drop 5] [--refresh-lexical] [--sleep-between 0.1] [--chroma-port P]

Ingests ``numbered_doc(i)`` for i in 0..n-1 one by one with ``Index.add_document``
(HashEmbedder via settings ``embedding_model="hash:256"``) and prints, flushed:
``ready`` once the index is open, ``begin i`` before each add, ``done i STATUS`` after.
``--slow-commit`` sleeps between the chunk upsert and the commit record (printing
``chunks i``); ``--slow-drop`` sleeps after the commit, before older versions are
dropped (printing ``committed i``), so a test can SIGKILL at exactly those points.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from ingest.models import ParsedDocument
from tests.vectorstore.conftest import hash_settings, make_doc, numbered_doc
from vectorstore.index import Index


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def doc_for(i: int, version: int, n_paras: int) -> ParsedDocument:
    if version == 1:
        return numbered_doc(i, n_paras=n_paras)
    base = numbered_doc(i, n_paras=n_paras)
    paras = [c.text for c in base.chunks][: n_paras - 1]
    paras.append(f"Phiên bản {version} của tài liệu {i}, bổ sung số liệu.")
    return make_doc(
        base.metadata.ward, base.metadata.source, paras, (2023,), doc_number=base.metadata.doc_number
    )


class PauseHook:
    """A document hook (public seam of the write step) that pauses where a test kills:
    after the chunks are written and before the commit record (``chunks i``), and after
    the commit before an older version is dropped (``committed i``)."""

    def __init__(self, commit_pause: float, drop_pause: float, current: list[int]) -> None:
        self.commit_pause, self.drop_pause, self.current = commit_pause, drop_pause, current

    def write_document(self, parsed: ParsedDocument) -> None:
        if self.commit_pause:
            say(f"chunks {self.current[0]}")
            time.sleep(self.commit_pause)

    def delete_document(self, doc_id: str) -> None:
        if self.drop_pause:
            say(f"committed {self.current[0]}")
            time.sleep(self.drop_pause)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--paras", type=int, default=40)
    ap.add_argument("--version", type=int, default=1)
    ap.add_argument("--slow-commit", type=float, default=0.0)
    ap.add_argument("--slow-drop", type=float, default=0.0)
    ap.add_argument("--refresh-lexical", action="store_true")
    ap.add_argument("--sleep-between", type=float, default=0.0)
    ap.add_argument("--chroma-port", type=int, default=0)
    ap.add_argument("--collection", default="baocao")
    ap.add_argument("--backend", default="chroma", choices=["chroma", "milvus"])
    a = ap.parse_args(argv)
    extra: dict[str, Any] = {"collection": a.collection, "vector_backend": a.backend}
    if a.chroma_port:
        extra.update(chroma_host="127.0.0.1", chroma_port=a.chroma_port)
    current = [0]
    idx = Index(
        hash_settings(a.data_dir, 256, **extra), hooks=[PauseHook(a.slow_commit, a.slow_drop, current)]
    )
    say("ready")
    for i in range(a.start, a.start + a.n):
        current[0] = i
        say(f"begin {i}")
        res = idx.add_document(doc_for(i, a.version, a.paras))
        if a.refresh_lexical:
            idx.refresh_lexical()
        say(f"done {i} {res.status}")
        if a.sleep_between:
            time.sleep(a.sleep_between)
    say("finished")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
