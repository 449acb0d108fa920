"""What only the Milvus engine has (Milvus Lite, a real local ``.db``): the term-statistics
table kept in step with commits and removals, its recovery, and sentence units read by key
with the fallback for units stored under other ids."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from baocao.settings import Settings
from ingest.models import ParsedDocument
from tests.vectorstore.conftest import hash_settings, ngo_quyen_doc, xuong_giang_doc
from vectorstore.bm25_side import lexical_text
from vectorstore.embeddings import HashEmbedder
from vectorstore.index import Index
from vectorstore.lexical import lexical_tokens
from vectorstore.milvus_engine import MilvusEngine
from vectorstore.milvus_lexical import BUSY, set_signature, term_dim
from vectorstore.ports import Unit

pytestmark = pytest.mark.integration

TOKENS = ["ngân", "ngân_sách", "~ngan", "hộ", "~ho_ngheo", "17.384.571.763", "không-có-từ-này"]


def truth(docs: list[ParsedDocument]) -> Counter[str]:
    df: Counter[str] = Counter()
    for d in docs:
        for c in d.chunks:
            df.update(set(lexical_tokens(lexical_text(c.text, " > ".join(c.heading_path)))))
    return df


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return hash_settings(tmp_path / "data", vector_backend="milvus")


@pytest.fixture
def idx(settings: Settings) -> Iterator[Index]:
    index = Index(settings, HashEmbedder(256, name="hash:256"))
    yield index
    index.close()


@pytest.fixture
def engine(settings: Settings, idx: Index) -> Iterator[MilvusEngine]:
    """A second handle on the index's file (same process: Milvus Lite's server is shared)."""
    eng = MilvusEngine(settings, "hash:256")
    yield eng
    eng.close()


def table_counts(engine: MilvusEngine, tokens: list[str]) -> tuple[int | None, list[int]]:
    stamp, counts = engine.terms.read([term_dim(t) for t in tokens])
    return stamp, [counts.get(term_dim(t), 0) for t in tokens]


def test_term_table_follows_commits_and_removals(
    settings: Settings, idx: Index, engine: MilvusEngine
) -> None:
    nq, xg = ngo_quyen_doc(), xuong_giang_doc()
    idx.add_document(nq)
    idx.add_document(xg)
    assert table_counts(engine, TOKENS)[0] == BUSY  # a batch is open: its counts are in memory
    reader = Index(settings, HashEmbedder(256, name="hash:256"))
    try:  # meanwhile readers sum the committed records: exact
        assert [reader.term_stats().df(t) for t in TOKENS] == [truth([nq, xg])[t] for t in TOKENS]
    finally:
        reader.close()
    idx.refresh_lexical()  # the end of the batch (as the ingest service does)
    stamp, counts = table_counts(engine, TOKENS)
    assert stamp == set_signature(idx.documents(fresh=True))
    assert counts == [truth([nq, xg])[t] for t in TOKENS]
    assert counts[TOKENS.index("ngân_sách")] > 0
    idx.remove_document(xg.metadata.doc_id)
    stamp, counts = table_counts(engine, TOKENS)
    assert stamp == set_signature([nq.metadata.doc_id])
    assert counts == [truth([nq])[t] for t in TOKENS]


def test_interrupted_write_falls_back_then_is_rebuilt(
    settings: Settings, idx: Index, engine: MilvusEngine
) -> None:
    nq, xg = ngo_quyen_doc(), xuong_giang_doc()
    idx.add_document(nq)
    idx.refresh_lexical()

    def killed() -> None:
        raise RuntimeError("killed while writing the record")

    with pytest.raises(RuntimeError):
        engine.terms.change("half-written", {term_dim("ngân"): 7.0}, 1, killed)
    engine.terms.settle()  # nothing to settle: the batch failed
    assert table_counts(engine, [])[0] == BUSY
    reader = Index(settings, HashEmbedder(256, name="hash:256"))
    try:
        stats = reader.term_stats()
        stats.prefetch(TOKENS)
        assert [stats.df(t) for t in TOKENS] == [truth([nq])[t] for t in TOKENS]
        reader.add_document(xg)  # a writer's recovery rebuilds the counts
        reader.refresh_lexical()
    finally:
        reader.close()
    stamp, counts = table_counts(engine, TOKENS)
    assert stamp == set_signature([nq.metadata.doc_id, xg.metadata.doc_id])
    assert counts == [truth([nq, xg])[t] for t in TOKENS]


def test_store_from_before_the_table(settings: Settings, idx: Index, engine: MilvusEngine) -> None:
    nq, xg = ngo_quyen_doc(), xuong_giang_doc()
    idx.add_document(nq)
    idx.refresh_lexical()
    engine.terms.drop()
    reader = Index(settings, HashEmbedder(256, name="hash:256"))
    try:
        assert [reader.term_stats().df(t) for t in TOKENS] == [truth([nq])[t] for t in TOKENS]
        reader.add_document(xg)
        reader.refresh_lexical()
    finally:
        reader.close()
    assert engine.terms.exists()
    stamp, counts = table_counts(engine, TOKENS)
    assert stamp == set_signature([nq.metadata.doc_id, xg.metadata.doc_id])
    assert counts == [truth([nq, xg])[t] for t in TOKENS]


def test_units_are_read_by_key_and_by_parent_when_stored_under_other_ids(
    idx: Index, engine: MilvusEngine
) -> None:
    nq = ngo_quyen_doc()
    idx.add_document(nq)
    first = nq.chunks[0]
    stored = engine.unit_vectors([first.id])
    assert [t for t, _ in stored[first.id]] == [t for t, _ in idx.unit_vectors([first.id])[first.id]]
    # a chunk whose units another unit scheme wrote (ids not derived from the chunk's text)
    meta = nq.metadata.model_copy(update={"doc_id": "legacy"})
    chunk = first.model_copy(update={"id": "legacy-chunk", "doc_id": "legacy"})
    vec = [1.0] + [0.0] * 255
    engine.upsert_chunks(meta, [chunk], [vec])
    engine.upsert_units(
        meta,
        [Unit("old-1", chunk.id, 1, "Câu hai.", "Câu hai."), Unit("old-0", chunk.id, 0, "Câu một.", "x")],
        [vec, vec],
    )
    engine.commit_record(meta, 1, [chunk])
    got = engine.unit_vectors([chunk.id, first.id])
    assert [t for t, _ in got[chunk.id]] == ["Câu một.", "Câu hai."]
    assert got[chunk.id][0][1] == pytest.approx(vec)
    assert got[first.id] == stored[first.id]
