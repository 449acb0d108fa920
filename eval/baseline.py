"""The naive LangChain-tutorial RAG pipeline, as a yardstick for the assistant.

Raw report files read as text (no cleaning, no sections, no metadata) →
``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)`` → the same
embedding model → an ephemeral Chroma collection → top-4 similarity search. The
"answer" is the top passage verbatim, cited as [1]; it never refuses. History and
filters are ignored.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.types import AnswerRecord, Citation, Passage
from baocao.vntext import nfc

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REPORTS_DIR = REPO_ROOT / "data" / "reports"
TEXT_SUFFIXES = {".txt", ".md"}
TOP_K = 4


def report_files(paths: Iterable[Path]) -> list[Path]:
    """Text report files under the given files/folders (binary formats are skipped)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        files = sorted(x for x in p.iterdir() if x.is_file()) if p.is_dir() else [p]
        for f in files:
            if f.suffix.lower() in TEXT_SUFFIXES:
                out.append(f)
            else:
                log.warning("naive baseline: skipping %s (not a text file)", f)
    return out


class NaiveBaseline:
    """Same ``ask`` interface as :class:`assistant.service.Assistant`."""

    def __init__(
        self,
        embedder: Embeddings,
        reports: Iterable[Path] = (DEFAULT_REPORTS_DIR,),
        chunk_size: int = 1000,
        chunk_overlap: int = 200,
        k: int = TOP_K,
    ) -> None:
        self.k = k
        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
        docs: list[Document] = []
        for f in report_files(reports):
            text = f.read_text(encoding="utf-8", errors="replace")
            docs.extend(splitter.create_documents([text], metadatas=[{"source": f.name}]))
        if not docs:
            raise ValueError("naive baseline: no text report files to index")
        for i, d in enumerate(docs):
            d.metadata["chunk"] = i
        self._client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(
            collection_name=f"naive_{uuid.uuid4().hex[:12]}",
            embedding_function=embedder,
            client=self._client,
            collection_metadata={"hnsw:space": "cosine"},
        )
        self.store.add_documents(docs, ids=[f"naive-{i}" for i in range(len(docs))])
        self.chunks = len(docs)

    def ask(
        self, question: str, history: list[str] | None = None, filters: Any = None, qid: str = ""
    ) -> AnswerRecord:
        t0 = time.perf_counter()
        question = nfc(question)
        hits = self.store.similarity_search_with_score(question, k=self.k)
        passages = [
            Passage(
                chunk_id=f"naive-{d.metadata.get('chunk', i)}",
                doc_id="",
                text=d.page_content,
                ward="",
                source=str(d.metadata.get("source", "")),
                position=int(d.metadata.get("chunk", i)),
                score=float(score),
            )
            for i, (d, score) in enumerate(hits)
        ]
        if passages:
            top = passages[0]
            answer = f"{top.text} [1]"
            citations = [
                Citation(
                    n=1,
                    ward="",
                    document=top.source,
                    section="",
                    text=top.text,
                    source=top.source,
                    chunk_id=top.chunk_id,
                )
            ]
        else:
            answer, citations = "", []
        return AnswerRecord(
            id=qid,
            question=question,
            answer=answer,
            refused=False,
            citations=citations,
            retrieved=passages,
            mode="naive",
            latency_ms=round((time.perf_counter() - t0) * 1000, 2),
        )
