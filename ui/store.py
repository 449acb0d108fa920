"""Conversations kept on the server, per browser: ``DATA_DIR/conversations/<browser>/<id>.json``.

A browser is known by a random id in a cookie (no account). Each file holds the turns of one
conversation (question + answer record) and is written atomically, so a reload or a crash
never leaves half a conversation.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.types import AnswerRecord

log = logging.getLogger(__name__)

_ID_RE = re.compile(r"^[0-9a-f]{32}$")
MAX_CONVERSATIONS = 50  # listed per browser (newest first)


def new_id() -> str:
    return uuid.uuid4().hex


def valid_id(value: str | None) -> bool:
    return isinstance(value, str) and bool(_ID_RE.match(value))


@dataclass
class StoredTurn:
    question: str
    record: AnswerRecord


@dataclass
class Summary:
    conversation_id: str
    title: str
    updated: float
    turns: int


class ConversationStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _dir(self, browser_id: str) -> Path:
        if not valid_id(browser_id):
            raise ValueError("invalid browser id")
        return self.root / browser_id

    def _file(self, browser_id: str, conversation_id: str) -> Path:
        if not valid_id(conversation_id):
            raise ValueError("invalid conversation id")
        return self._dir(browser_id) / f"{conversation_id}.json"

    def save(self, browser_id: str, conversation_id: str, turns: list[StoredTurn]) -> None:
        path = self._file(browser_id, conversation_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "updated": time.time(),
            "turns": [
                {"question": t.question, "record": t.record.model_dump(mode="json", exclude={"retrieved"})}
                for t in turns
            ],
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load(self, browser_id: str, conversation_id: str) -> list[StoredTurn]:
        try:
            data = json.loads(self._file(browser_id, conversation_id).read_text(encoding="utf-8"))
            return [
                StoredTurn(str(t["question"]), AnswerRecord.model_validate(t["record"]))
                for t in data["turns"]
            ]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("cannot read conversation %s: %s", conversation_id, type(exc).__name__)
            return []

    def delete(self, browser_id: str, conversation_id: str) -> None:
        self._file(browser_id, conversation_id).unlink(missing_ok=True)

    def list(self, browser_id: str) -> list[Summary]:
        try:
            folder = self._dir(browser_id)
        except ValueError:
            return []
        out: list[Summary] = []
        for path in folder.glob("*.json") if folder.is_dir() else []:
            if not valid_id(path.stem):
                continue
            try:
                data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
                turns = data.get("turns") or []
                if not turns:
                    continue
                # titled by its first real question (not a greeting)
                first = next((t for t in turns if t["record"].get("mode") != "social"), turns[0])
                out.append(Summary(path.stem, str(first["question"]), float(data["updated"]), len(turns)))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        out.sort(key=lambda s: s.updated, reverse=True)
        return out[:MAX_CONVERSATIONS]
