"""Hybrid retrieval: dense (Chroma) + lexical (BM25) fused with reciprocal rank fusion.

Filters (ward, document type, year) are resolved to the set of committed documents
they allow, then applied to both retrievers, so a question about one ward never
sees another ward's passages.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.glossary import expand_query
from assistant.types import Passage
from baocao import thesaurus
from baocao.vntext import fold, has_diacritics
from ingest.models import DocumentMeta
from vectorstore.index import Index, StoredChunk, UnitHit

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="retrieve")

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")


@dataclass
class Retrieval:
    """One search's results and what the answerer reuses (returned, never stored on the
    shared retriever: Streamlit sessions share it)."""

    passages: list[Passage] = field(default_factory=list)
    query_vector: list[float] | None = None
    unit_ranks: dict[tuple[str, str], int] = field(default_factory=dict)  # (chunk id, sentence) -> rank
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class Filters:
    wards: list[str] = field(default_factory=list)
    doc_types: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)

    def allows(self, doc: DocumentMeta) -> bool:
        if self.wards and fold(doc.ward).lower() not in {fold(w).lower() for w in self.wards}:
            return False
        if self.doc_types and fold(doc.doc_type).lower() not in {fold(t).lower() for t in self.doc_types}:
            return False
        return not (self.years and doc.years and not set(self.years) & set(doc.years))

    @property
    def empty(self) -> bool:
        return not (self.wards or self.doc_types or self.years)


def search_text(query: str) -> str:
    """What is embedded and searched for a question: the question, its abbreviations spelled
    out, and the report's own terms for the colloquial phrases it uses (thesaurus)."""
    expanded, _ = expand_query(query)
    said = thesaurus.report_terms(query)
    return f"{expanded} ; {' ; '.join(said)}" if said else expanded


def passage_from(chunk: StoredChunk, score: float = 0.0) -> Passage:
    return Passage(chunk_id=chunk.chunk_id, text=chunk.text, score=score, **chunk.metadata)


class HybridRetriever(BaseRetriever):
    """LangChain retriever over our ``Index``; ``search`` is the typed entry point."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any
    mode: Mode = "hybrid"
    k: int = 8
    candidates: int = 30
    rrf_k: int = 20
    dense_weight: float = 1.0
    unit_weight: float = 1.0
    lexical_weight: float = 1.2
    unit_candidates: int = 40
    unaccented_dense_factor: float = 0.3  # dense weight factor for questions without diacritics (fitted)
    filters: Filters | None = None

    def allowed_docs(self, filters: Filters | None) -> list[str] | None:
        idx: Index = self.index
        if filters is None or filters.empty:
            return None
        return [d.doc_id for d in idx.documents().values() if filters.allows(d)]

    def search(self, query: str, filters: Filters | None = None, k: int | None = None) -> list[Passage]:
        return self.retrieve(query, filters, k).passages

    def retrieve(self, query: str, filters: Filters | None = None, k: int | None = None) -> Retrieval:
        """Chunks matched three ways — whole chunks by meaning, single sentences by meaning
        (small-to-big: the sentence's chunk is returned), words (BM25) — fused by weighted
        reciprocal rank; the weights are fitted on ``train`` (``assistant/data/ranker.json``)."""
        idx: Index = self.index
        k = k or self.k
        timings: dict[str, float] = {}
        expanded = search_text(query)
        allowed = self.allowed_docs(filters)
        out_r = Retrieval(timings=timings)
        if allowed is not None and not allowed:
            return out_r
        dense: list[tuple[str, float]] = []
        units: list[UnitHit] = []
        lexical: list[tuple[str, float]] = []
        if self.mode in ("hybrid", "dense"):
            t0 = time.perf_counter()
            vec = idx.embedder.embed_query(expanded)
            timings["embed_ms"] = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            # the two searches overlap: the store's native code runs without the GIL
            pending = _POOL.submit(idx.dense_search_units, vec, self.unit_candidates, allowed)
            dense = idx.dense_search_ids(vec, self.candidates, allowed)
            units = pending.result()
            timings["dense_ms"] = (time.perf_counter() - t0) * 1000
            out_r.query_vector = vec
            for r, u in enumerate(units):
                out_r.unit_ranks.setdefault((u.parent, u.text), r + 1)
        if self.mode in ("hybrid", "lexical"):
            t0 = time.perf_counter()
            lexical = idx.lexical_search(expanded, self.candidates, allowed)
            timings["lexical_ms"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        scores: dict[str, float] = {}
        dense_rank: dict[str, int] = {}
        lex_rank: dict[str, int] = {}
        # multilingual-e5 reads unaccented Vietnamese poorly ("thu ngan sach"): lean on BM25's folded tokens
        dense_weight = (
            self.dense_weight if has_diacritics(query) else self.dense_weight * self.unaccented_dense_factor
        )
        for r, (cid, _d) in enumerate(dense):
            dense_rank[cid] = r + 1
            scores[cid] = scores.get(cid, 0.0) + dense_weight / (self.rrf_k + r + 1)
        unit_parents = list(dict.fromkeys(u.parent for u in units))
        for r, cid in enumerate(unit_parents):
            scores[cid] = scores.get(cid, 0.0) + self.unit_weight * dense_weight / (self.rrf_k + r + 1)
        for r, (cid, _s) in enumerate(lexical):
            lex_rank[cid] = r + 1
            scores[cid] = scores.get(cid, 0.0) + self.lexical_weight / (self.rrf_k + r + 1)
        order = sorted(scores, key=lambda c: -scores[c])
        out: list[Passage] = []
        start = 0
        while len(out) < k and start < len(order):  # read only the chunks kept (orphans skipped)
            batch = order[start : start + k - len(out)]
            start += len(batch)
            known = idx.committed_chunks(batch)
            for cid in batch:
                if cid in known:  # else removed meanwhile, or an interrupted write's
                    p = passage_from(known[cid], scores[cid])
                    p.dense_rank = dense_rank.get(cid)
                    p.lexical_rank = lex_rank.get(cid)
                    out.append(p)
        timings["fuse_ms"] = (time.perf_counter() - t0) * 1000
        out_r.passages = out
        return out_r

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(page_content=p.text, metadata=p.model_dump(exclude={"text"}), id=p.chunk_id)
            for p in self.search(query, self.filters)
        ]
