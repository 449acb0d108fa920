"""The ONNX Runtime backend with the real model: export once, parity with torch, fallbacks.

The default model is converted and exported once per module into a temp models dir (about a
minute on 2 busy cores); a tiny randomly initialised sentence-transformers model with CLS
pooling and a Dense layer checks that other models export too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from baocao.settings import DEFAULT_EMBEDDING_MODEL, Settings, load_settings
from tests.vectorstore.test_e5_parity import report_sentences
from vectorstore import e5_convert, onnx_export
from vectorstore.embeddings import CachedEmbedder, SentenceTransformerEmbedder, load_embedder, resolve_model
from vectorstore.onnx_embedder import OnnxEmbedder

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("onnx-data")
    settings = load_settings(data_dir=d, embedding_model=DEFAULT_EMBEDDING_MODEL, embedding_backend="onnx")
    assert onnx_export.ensure_model(settings) == 0
    return d


def _settings(data_dir: Path, **kw: Any) -> Settings:
    base: dict[str, Any] = {"data_dir": data_dir, "embedding_model": DEFAULT_EMBEDDING_MODEL}
    return load_settings(**{**base, **kw})


@pytest.fixture(scope="module")
def torch_emb(data_dir: Path) -> Any:
    return load_embedder(_settings(data_dir, embedding_backend="torch", embedding_cache=False))


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    return report_sentences()[:48]


def _cos(a: list[list[float]], b: list[list[float]]) -> np.ndarray:
    return np.sum(np.asarray(a, np.float32) * np.asarray(b, np.float32), axis=1)


def test_ensure_exports_once_and_load_uses_it(data_dir: Path) -> None:
    settings = _settings(data_dir)
    name, location = resolve_model(settings)  # the tuned model (vectorstore.tuning) is what is exported
    assert name.startswith(DEFAULT_EMBEDDING_MODEL + "+tuned-")
    onnx_dir = onnx_export.onnx_dir_for(settings.models_dir, name)
    marker = onnx_dir / onnx_export.MARKER_NAME
    assert onnx_export.is_complete(onnx_dir, onnx_export.source_fingerprint(location))
    before = marker.stat().st_mtime_ns
    emb = load_embedder(settings.model_copy(update={"embedding_backend": "onnx"}))
    assert marker.stat().st_mtime_ns == before, "loading re-exported the model"
    assert isinstance(emb, CachedEmbedder) and isinstance(emb.inner, OnnxEmbedder)
    assert emb.name == name and emb.dimension == 384
    assert (onnx_dir / onnx_export.INT8_NAME).stat().st_size < (
        onnx_dir / onnx_export.FP32_NAME
    ).stat().st_size / 3


@pytest.mark.parametrize(
    ("precision", "min_cos", "mean_cos"), [("fp32", 0.9999, 0.99999), ("int8", 0.97, 0.99)]
)
def test_parity_with_torch(
    data_dir: Path, torch_emb: Any, sentences: list[str], precision: str, min_cos: float, mean_cos: float
) -> None:
    onnx = load_embedder(
        _settings(
            data_dir, embedding_backend="onnx", embedding_onnx_precision=precision, embedding_cache=False
        )
    )
    assert isinstance(onnx, OnnxEmbedder) and onnx.precision == precision
    docs = _cos(onnx.embed_documents(sentences), torch_emb.embed_documents(sentences))
    queries = _cos(
        [onnx.embed_query(s[:60]) for s in sentences[:12]],
        [torch_emb.embed_query(s[:60]) for s in sentences[:12]],
    )
    both = np.concatenate([docs, queries])
    assert both.min() >= min_cos, f"{precision}: min cosine {both.min():.5f}"
    assert both.mean() >= mean_cos, f"{precision}: mean cosine {both.mean():.5f}"
    # query and passage prefixes still differ
    assert _cos([onnx.embed_query(sentences[0])], onnx.embed_documents(sentences[:1]))[0] < 0.999


def test_onnx_batches_match_single_texts(data_dir: Path, sentences: list[str]) -> None:
    """Padding inside a length-sorted batch does not change a text's vector."""
    onnx = load_embedder(_settings(data_dir, embedding_onnx_precision="fp32", embedding_cache=False))
    batch = onnx.embed_documents(sentences[:20])
    single = [onnx.embed_documents([s])[0] for s in sentences[:20]]
    assert _cos(batch, single).min() > 0.99999


def test_retrieval_agrees_with_torch(data_dir: Path, torch_emb: Any, sentences: list[str]) -> None:
    """int8 ranks the same best passage as torch for nearly every query."""
    onnx = load_embedder(_settings(data_dir, embedding_cache=False))
    queries = [" ".join(s.split()[:8]) for s in sentences[::2]]
    ranked = {}
    for name, emb in (("torch", torch_emb), ("onnx", onnx)):
        mat = np.asarray(emb.embed_documents(sentences), np.float32)
        ranked[name] = [int(np.argmax(mat @ np.asarray(emb.embed_query(q), np.float32))) for q in queries]
    same = np.mean([a == b for a, b in zip(ranked["torch"], ranked["onnx"], strict=True)])
    assert same >= 0.9, f"top-1 agreement {same:.2f}"


def test_unexportable_model_falls_back_to_torch(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> Path:
        raise onnx_export.OnnxExportError("không xuất được")

    monkeypatch.setattr(onnx_export, "ensure_onnx", refuse)
    emb = load_embedder(_settings(data_dir, embedding_cache=False))
    assert isinstance(emb, SentenceTransformerEmbedder)
    assert emb.dimension == 384 and len(emb.embed_query("thu ngân sách")) == 384


def _tiny_st_model(path: Path, tokenizer_dir: Path) -> Path:
    """A small XLM-R with CLS pooling + Dense (random weights, seeded): not the e5 recipe."""
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import PreTrainedTokenizerFast, XLMRobertaConfig, XLMRobertaModel

    torch.manual_seed(0)
    tok = PreTrainedTokenizerFast.from_pretrained(str(tokenizer_dir))
    cfg = XLMRobertaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=130,
        pad_token_id=tok.pad_token_id,
    )
    hf = path / "hf"
    XLMRobertaModel(cfg).save_pretrained(str(hf))
    tok.save_pretrained(str(hf))
    word = models.Transformer(str(hf), max_seq_length=128)
    pool = models.Pooling(32, pooling_mode="cls")
    dense = models.Dense(32, 16, activation_function=torch.nn.Tanh())
    st = SentenceTransformer(modules=[word, pool, dense], device="cpu")
    st.save(str(path / "st"))
    return path / "st"


def test_other_sentence_transformers_model_exports(
    tmp_path: Path, data_dir: Path, sentences: list[str]
) -> None:
    model = _tiny_st_model(tmp_path / "tiny", e5_convert.ensure_e5_small(_settings(data_dir).model_cache_dir))
    kw: dict[str, Any] = {
        "data_dir": tmp_path / "d",
        "embedding_model": str(model),
        "embedding_cache": False,
        "embedding_tuning": False,
    }
    onnx = load_embedder(load_settings(**kw, embedding_backend="onnx", embedding_onnx_precision="fp32"))
    torch_emb = load_embedder(load_settings(**kw, embedding_backend="torch"))
    assert isinstance(onnx, OnnxEmbedder) and onnx.dimension == 16 == torch_emb.dimension
    assert _cos(onnx.embed_documents(sentences[:8]), torch_emb.embed_documents(sentences[:8])).min() > 0.999
