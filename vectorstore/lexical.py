"""Vietnamese-aware BM25 index (bm25s) persisted beside Chroma.

Each passage is indexed with three kinds of token:
* exact syllables (lower-case, NFC, one tone-mark placement),
* syllable bigrams (``ngân_sách``) — Vietnamese words are mostly two syllables,
* diacritic-folded syllables (``~ngan``) so unaccented queries still match.

A query is tokenised the same way, so an accented query matches exact *and*
folded tokens while an unaccented one matches folded tokens (plus exact ones
where the syllable has no diacritics): exact-accent matches rank above folded.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from baocao.vntext import fold, tokenize

log = logging.getLogger(__name__)

_META = "baocao_lexical.json"
# Bump when tokenisation changes: the index is then rebuilt from Chroma's documents.
LEXICAL_VERSION = "lex-2"


def lexical_tokens(text: str) -> list[str]:
    syl = tokenize(text)
    out = list(syl)
    out.extend(f"{a}_{b}" for a, b in itertools.pairwise(syl))
    folded = [fold(s) for s in syl]
    out.extend("~" + f for f in folded)
    out.extend(f"~{a}_{b}" for a, b in itertools.pairwise(folded))
    return out


class LexicalIndex:
    """BM25 over chunk ids; ``search`` returns ``(chunk_id, score)`` best first."""

    def __init__(
        self,
        ids: Sequence[str],
        retriever: bm25s.BM25 | None,
        doc_ids: Sequence[str] = (),
        fingerprint: str = "",
    ) -> None:
        self.ids = list(ids)
        self._pos = {cid: i for i, cid in enumerate(self.ids)}
        self._bm25 = retriever
        self.doc_of = dict(zip(self.ids, doc_ids, strict=False))
        self._positions_by_doc: dict[str, np.ndarray] | None = None
        self.fingerprint = fingerprint

    @classmethod
    def build(
        cls, ids: Sequence[str], texts: Sequence[str], doc_ids: Sequence[str] = (), fingerprint: str = ""
    ) -> LexicalIndex:
        if not ids:
            return cls([], None, doc_ids, fingerprint)
        bm = bm25s.BM25(k1=1.2, b=0.75)
        bm.index([lexical_tokens(t) for t in texts], show_progress=False)
        return cls(ids, bm, doc_ids, fingerprint)

    def df(self, token: str) -> int:
        """Number of passages containing ``token`` (0 when unknown)."""
        if self._bm25 is None:
            return 0
        tid = self._bm25.vocab_dict.get(token)
        if tid is None:
            return 0
        indptr = self._bm25.scores["indptr"]
        return int(indptr[tid + 1] - indptr[tid])

    def prefetch(self, tokens: Sequence[str]) -> None:
        """Nothing to fetch: the counts are in memory."""

    def idf(self, token: str) -> float:
        """BM25 idf of one lexical token (0 when unknown); used to weigh query words."""
        if self._bm25 is None:
            return 0.0
        tid = self._bm25.vocab_dict.get(token)
        n = len(self.ids)
        if tid is None:
            return float(np.log(1 + (n + 0.5) / 0.5))
        indptr = self._bm25.scores["indptr"]
        df = int(indptr[tid + 1] - indptr[tid])
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def __len__(self) -> int:
        return len(self.ids)

    def _doc_positions(self) -> dict[str, np.ndarray]:
        if self._positions_by_doc is None:
            by_doc: dict[str, list[int]] = {}
            for i, cid in enumerate(self.ids):
                by_doc.setdefault(self.doc_of.get(cid, ""), []).append(i)
            self._positions_by_doc = {d: np.asarray(p, dtype=np.int64) for d, p in by_doc.items()}
        return self._positions_by_doc

    def search(
        self,
        query: str,
        k: int = 20,
        allowed: set[str] | None = None,
        allowed_docs: set[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Best passages for ``query``; ``allowed`` (chunk ids) / ``allowed_docs`` restrict them."""
        if self._bm25 is None or not self.ids:
            return []
        vocab = self._bm25.vocab_dict
        tok_ids = [vocab[t] for t in lexical_tokens(query) if t in vocab]
        if not tok_ids:
            return []
        scores = np.asarray(self._bm25.get_scores_from_ids(tok_ids), dtype=np.float32)
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            for cid in allowed:
                i = self._pos.get(cid)
                if i is not None:
                    mask[i] = True
            scores = np.where(mask, scores, 0.0)
        if allowed_docs is not None:
            keep = np.zeros(len(self.ids), dtype=bool)
            positions = self._doc_positions()
            for d in allowed_docs:
                if d in positions:
                    keep[positions[d]] = True
            scores = np.where(keep, scores, 0.0)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    # persistence -------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write atomically: build in a temp dir, then swap it in."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".lexical-", dir=directory.parent))
        try:
            if self._bm25 is not None:
                self._bm25.save(str(tmp), show_progress=False)
            (tmp / _META).write_text(
                json.dumps(
                    {
                        "ids": self.ids,
                        "doc_ids": [self.doc_of[i] for i in self.ids],
                        "fingerprint": self.fingerprint,
                    }
                ),
                encoding="utf-8",
            )
            old = directory.with_name(directory.name + ".old")
            if directory.exists():
                shutil.rmtree(old, ignore_errors=True)
                os.replace(directory, old)
            os.replace(tmp, directory)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex | None:
        meta_path = directory / _META
        if not meta_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            ids = meta["ids"]
            bm = bm25s.BM25.load(str(directory), show_progress=False) if ids else None
        except Exception:  # corrupt or partial: caller rebuilds from Chroma
            log.warning("lexical index at %s unreadable; it will be rebuilt", directory, exc_info=True)
            return None
        return cls(ids, bm, meta.get("doc_ids", []), meta.get("fingerprint", ""))
