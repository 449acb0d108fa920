"""The assistant's two halves as ``typing.Protocol``s (the store's ports: ``vectorstore/ports.py``).

* ``Retriever`` — question → ranked passages, with this request's timings returned beside them
  (never kept on the retriever, which every UI session shares): ``HybridRetriever``.
* ``Generator`` — writes an answer over the passages, yielding text pieces then the final record;
  ``fallback`` is the grounded answer it must return when it cannot do better: ``LLMAnswerer``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, runtime_checkable

from assistant.types import AnswerRecord, Passage


@runtime_checkable
class Retriever(Protocol):
    def retrieve(
        self, query: str, filters: Any = None, k: int | None = None
    ) -> tuple[list[Passage], dict[str, float]]: ...


@runtime_checkable
class Generator(Protocol):
    def stream(
        self, question: str, passages: list[Passage], fallback: AnswerRecord
    ) -> Iterator[str | AnswerRecord]: ...
