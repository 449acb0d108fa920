"""Responses of a fake OpenAI-compatible chat endpoint (shared by the LLM tests)."""

from __future__ import annotations

import json
from typing import Any


def completion(content: str, model: str) -> dict[str, Any]:
    """A non-streaming ``chat.completion`` body."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def sse_chunk(delta: dict[str, Any], model: str, finish: str | None = None) -> bytes:
    """One server-sent event of a streaming ``chat.completion.chunk``."""
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n".encode()
