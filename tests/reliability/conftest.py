"""Fixtures and helpers for the reliability tests (crash safety, concurrency)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from tests.vectorstore.conftest import REPO_ROOT, chroma_server  # noqa: F401 - re-exported fixture


class Worker:
    """``python -m tests.reliability.ingest_worker`` with line-by-line stdout."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "ANONYMIZED_TELEMETRY": "False"}
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "tests.reliability.ingest_worker", *args],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._q: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._pump_err, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._q.put(line.rstrip("\n"))
        self._q.put(None)

    def _pump_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)[-3000:]

    def wait_for(self, pred: Callable[[str], bool], timeout: float = 120.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching line; got {self.lines[-5:]}; stderr: {self.stderr}")
            try:
                line = self._q.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(
                    f"worker exited ({self.proc.wait()}) before the line; stderr: {self.stderr}"
                )
            self.lines.append(line)
            if pred(line):
                return line

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # SIGKILL
        self.proc.wait(timeout=30)

    def finish(self, timeout: float = 300.0) -> list[str]:
        rc = self.proc.wait(timeout=timeout)
        # drain the queue
        while True:
            try:
                line = self._q.get(timeout=5)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        assert rc == 0, f"worker failed ({rc}): {self.stderr}"
        return self.lines


@pytest.fixture
def spawn() -> Iterator[Callable[..., Worker]]:
    workers: list[Worker] = []

    def make(*args: str) -> Worker:
        w = Worker(*args)
        workers.append(w)
        return w

    yield make
    for w in workers:
        w.kill()
