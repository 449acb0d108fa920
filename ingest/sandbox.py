"""Read a PDF/DOCX in a child process with a hard memory and wall-clock limit.

The cooperative checks of ``ingest.limits`` stop a file that expands too far as it is
read; this wraps them with limits the file cannot talk its way around: a parser stuck
inside one page, or a compressed PDF stream inflated in one call, is stopped by
``RLIMIT_AS`` (memory) and by the parent killing the child after the time budget.

The child gets the file's bytes on stdin (it never opens a path) and answers with one JSON
object on stdout: the ``RawDocument``, or the ``IngestError`` it raised.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from baocao.safe_text import one_line
from ingest import errors
from ingest.limits import ReadLimits, memory_exceeded, time_exceeded
from ingest.rawdoc import Line, RawDocument

log = logging.getLogger(__name__)

_ROOT = Path(__file__).resolve().parent.parent
_GRACE_S = 5.0  # the child's own deadline fires first; the kill is the backstop
_ERROR_ATTRS = ("detail", "what", "setting", "kind")


def load_isolated(name: str, data: bytes, limits: ReadLimits) -> RawDocument:
    """``loaders.load_path`` for ``name``'s bytes, run in a child process."""
    spec = json.dumps({"name": name, "limits": dataclasses.asdict(limits)})
    code = (
        f"import sys; sys.path.insert(0, {str(_ROOT)!r}); from ingest.sandbox import child_main; child_main()"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-c", code, spec],
            input=data,
            capture_output=True,
            timeout=limits.max_seconds + _GRACE_S,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as e:  # subprocess.run kills the child before raising
        raise time_exceeded(name, limits) from e
    if proc.returncode != 0 or not proc.stdout:
        tail = proc.stderr.decode("utf-8", "replace")[-300:]
        log.warning("reader child for %r ended with code %s: %s", name, proc.returncode, one_line(tail))
        if proc.returncode in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGXCPU, 3) or "MemoryError" in tail:
            raise memory_exceeded(name, limits)
        raise errors.IngestError(f"Không đọc được tệp {name} (tiến trình đọc tệp bị lỗi).", source=name)
    return _decode(json.loads(proc.stdout))


def _decode(out: dict[str, Any]) -> RawDocument:
    if "error" in out:
        raise _rebuild_error(out)
    raw = out["raw"]
    raw["lines"] = [Line(**ln) for ln in raw["lines"]]
    return RawDocument(**raw)


def _rebuild_error(out: dict[str, Any]) -> errors.IngestError:
    cls = getattr(errors, str(out["error"]), errors.IngestError)
    if not (isinstance(cls, type) and issubclass(cls, errors.IngestError)):
        cls = errors.IngestError
    err = cls.__new__(cls)
    errors.IngestError.__init__(err, str(out["message"]), source=str(out.get("source", "")))
    for k, v in (out.get("attrs") or {}).items():
        setattr(err, k, v)
    return err


def _limit_self(limits: ReadLimits) -> None:
    import resource

    mem = limits.max_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    cpu = int(limits.max_seconds + _GRACE_S) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:  # die with the parent (SIGKILL of `ingest add` leaves no reader behind)
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _out_of_memory(e: BaseException) -> bool:
    """A parser error caused by the memory limit (MemoryError, "unable to allocate", …)."""
    seen: set[int] = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        text = f"{type(cur).__name__} {cur} {getattr(cur, 'detail', '')}".lower()
        if isinstance(cur, MemoryError) or "allocate" in text or "out of memory" in text:
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def child_main() -> None:
    spec = json.loads(sys.argv[1])
    limits = ReadLimits(**spec["limits"])
    _limit_self(limits)
    name = spec["name"]
    data = sys.stdin.buffer.read()
    try:
        from ingest.limits import ReadBudget
        from ingest.loaders import load_path

        raw = load_path(Path(name), data, budget=ReadBudget(limits, name))
        out: dict[str, Any] = {"raw": dataclasses.asdict(raw)}
    except errors.IngestError as e:
        if _out_of_memory(e):
            e = memory_exceeded(name, limits)
        attrs = {k: getattr(e, k) for k in _ERROR_ATTRS if isinstance(getattr(e, k, None), str)}
        out = {"error": type(e).__name__, "message": e.message_vi, "source": e.source, "attrs": attrs}
    except MemoryError:
        os._exit(3)
    sys.stdout.write(json.dumps(out))
    sys.stdout.flush()
