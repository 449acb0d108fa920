"""The assistant's two halves as ``typing.Protocol``s (the store's ports: ``vectorstore/ports.py``).

* ``Retriever`` — question → a ``Retrieval`` (ranked passages, the query vector, sentence ranks and
  this request's timings — returned, never kept on the retriever every UI session shares):
  ``HybridRetriever``.
* ``Generator`` — writes an answer over the passages, yielding text pieces then the final record;
  ``fallback`` is the grounded answer it must return when it cannot do better: ``LLMAnswerer``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from assistant.types import AnswerRecord, Passage

if TYPE_CHECKING:
    from assistant.retrieval import Retrieval


@runtime_checkable
class Retriever(Protocol):
    def retrieve(self, query: str, filters: Any = None, k: int | None = None) -> Retrieval: ...


@runtime_checkable
class Generator(Protocol):
    def stream(
        self, question: str, passages: list[Passage], fallback: AnswerRecord
    ) -> Iterator[str | AnswerRecord]: ...
