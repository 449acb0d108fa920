"""Connecting to Milvus: Milvus Lite (a local ``.db`` file, served in-process) or a server."""

from __future__ import annotations

import threading
from typing import Any

# Milvus Lite serves a ``.db`` path from one in-process server that holds the file's lock
# until released; engines on the same path share it, the last one to close releases it.
_LITE_USERS: dict[str, int] = {}
_LITE_LOCK = threading.Lock()


def lite_acquire(path: str) -> None:
    with _LITE_LOCK:
        _LITE_USERS[path] = _LITE_USERS.get(path, 0) + 1


def lite_release(path: str) -> None:
    with _LITE_LOCK:
        n = _LITE_USERS.get(path, 0) - 1
        if n > 0:
            _LITE_USERS[path] = n
            return
        _LITE_USERS.pop(path, None)
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(path)


class Serialised:
    """Milvus Lite client calls one at a time: its in-process engine swaps segments on flush,
    and a search racing a flush from another thread can fail (servers handle this themselves)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.RLock()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attr(*args, **kwargs)

        return call
