"""The per-chunk memo behind ``Index.unit_vectors`` and ``Index.committed_chunks``."""

from __future__ import annotations

from vectorstore.memo import ChunkMemo


def test_fetches_each_id_once_and_remembers_absent_ids() -> None:
    calls: list[list[str]] = []

    def fetch(ids: list[str]) -> dict[str, int]:
        calls.append(ids)
        return {i: len(i) for i in ids if i != "gone"}

    memo: ChunkMemo[int] = ChunkMemo(10)
    assert memo.get_many(["a", "bb", "gone", "a"], fetch) == {"a": 1, "bb": 2}
    assert memo.get_many(["bb", "gone", "ccc"], fetch) == {"bb": 2, "ccc": 3}
    assert calls == [["a", "bb", "gone"], ["ccc"]]
    memo.clear()
    assert memo.get_many(["a"], fetch) == {"a": 1}
    assert calls[-1] == ["a"]


def test_bounded_least_recently_used_first_out() -> None:
    memo: ChunkMemo[str] = ChunkMemo(2)
    seen: list[str] = []

    def fetch(ids: list[str]) -> dict[str, str]:
        seen.extend(ids)
        return {i: i.upper() for i in ids}

    memo.get_many(["a", "b"], fetch)
    memo.get_many(["a"], fetch)  # a is now the most recent
    memo.get_many(["c"], fetch)  # b goes
    memo.get_many(["a", "b"], fetch)
    assert seen == ["a", "b", "c", "b"]
