"""The persistent embedding cache: hits, namespaces, duplicates, concurrency, damage."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from baocao.settings import load_settings
from vectorstore.embed_cache import EmbeddingCache
from vectorstore.embeddings import CachedEmbedder, HashEmbedder


class CountingEmbedder(HashEmbedder):
    """HashEmbedder that records every text it actually embeds."""

    def __init__(self) -> None:
        super().__init__(64, name="counting")
        self.seen: list[str] = []
        self.variant = "test"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.seen.extend(texts)
        return super().embed_documents(texts)


def test_second_pass_embeds_nothing_and_returns_the_same_vectors(tmp_path: Path) -> None:
    inner = CountingEmbedder()
    emb = CachedEmbedder(inner, EmbeddingCache(tmp_path / "c.sqlite", "m|test"))
    texts = ["thu ngân sách đạt 104%", "tỷ lệ hộ nghèo 0,5%", "thu ngân sách đạt 104%"]
    first = emb.embed_documents(texts)
    assert inner.seen == ["thu ngân sách đạt 104%", "tỷ lệ hộ nghèo 0,5%"], "duplicates embedded twice"
    assert first[0] == first[2]
    inner.seen.clear()
    again = CachedEmbedder(inner, EmbeddingCache(tmp_path / "c.sqlite", "m|test"))  # a new process
    second = again.embed_documents([*texts, "chi ngân sách 94,3%"])
    assert inner.seen == ["chi ngân sách 94,3%"]
    np.testing.assert_array_equal(np.asarray(second[:3], np.float32), np.asarray(first, np.float32))
    assert again.cache.hits == 3 and again.cache.misses == 1


def test_model_keys_do_not_share_vectors(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    a = EmbeddingCache(path, "e5|torch-fp32|abc|passage")
    b = EmbeddingCache(path, "e5|onnx-int8|abc|passage")
    a.put_many(["x"], np.ones((1, 4), np.float32))
    assert b.get_many(["x"]) == [None]
    got = a.get_many(["x", "y"])
    assert got[1] is None
    np.testing.assert_array_equal(got[0], np.ones(4, np.float32))


def test_query_lru_does_not_touch_the_disk_cache(tmp_path: Path) -> None:
    inner = CountingEmbedder()
    emb = CachedEmbedder(inner, EmbeddingCache(tmp_path / "c.sqlite", "k"), query_lru=2)
    v = emb.embed_query("câu hỏi")
    assert emb.embed_query("câu hỏi") == v
    assert emb.cache.count() == 0


def test_damaged_cache_file_is_bypassed(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not an sqlite database" * 100)
    inner = CountingEmbedder()
    emb = CachedEmbedder(inner, EmbeddingCache(path, "k"))
    out = emb.embed_documents(["a b", "c d"])
    assert len(out) == 2 and inner.seen == ["a b", "c d"]


def _fill(path: str, worker: int, texts: list[str]) -> None:
    cache = EmbeddingCache(Path(path), "k", timeout_s=60)
    emb = HashEmbedder(32)
    for i in range(0, len(texts), 7):
        part = texts[i : i + 7]
        cache.embed(part, lambda todo: np.asarray(emb.embed_documents(todo), np.float32))


def test_concurrent_processes_fill_one_cache(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    texts = [f"đoạn văn số {i} về kinh tế xã hội" for i in range(300)]
    ctx = mp.get_context("spawn")
    procs = [
        ctx.Process(target=_fill, args=(str(path), w, texts[w * 50 :] + texts[: w * 50])) for w in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(900)  # spawn + imports are slow on a busy 2-core machine
        assert p.exitcode == 0
    cache = EmbeddingCache(path, "k")
    assert cache.count() == len(texts)
    want = np.asarray(HashEmbedder(32).embed_documents(texts), np.float32)
    got = cache.get_many(texts)
    assert all(g is not None for g in got)
    np.testing.assert_array_equal(np.stack([g for g in got if g is not None]), want)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_settings_validate_the_backend() -> None:
    assert load_settings(embedding_backend="torch").embedding_backend == "torch"
    with pytest.raises(ValueError, match="embedding_backend"):
        load_settings(embedding_backend="tensorflow")
