"""Domain tuning of the embedding model (vectorstore.tuning): the fine-tune moves questions
toward their sentences, is built once into the shared cache under a name derived from what it
is built from, and the committed ranker was fitted with the model a fresh machine builds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from baocao.settings import DEFAULT_EMBEDDING_MODEL, load_settings
from tests.vectorstore.test_onnx_backend import _tiny_st_model
from vectorstore import e5_convert, tuning
from vectorstore.tuning import Pair

pytestmark = [pytest.mark.integration]

# officials' wording -> the sentence of a report that answers it, and a close one that does not
PAIRS = [
    Pair(
        "trường mẫu giáo có mấy cháu",
        ("Giáo dục mầm non: tổng số trẻ 1034 trẻ",),
        ("Thu ngân sách đạt 268%",),
    ),
    Pair(
        "tiễn bao nhiêu thanh niên đi bộ đội",
        ("Quân sự: bàn giao 10 nam công dân nhập ngũ",),
        ("Tặng quà 20 hộ",),
    ),
    Pair(
        "xây nhà không phép bị xử lý ra sao",
        ("Trật tự xây dựng: xử lý 5 công trình vi phạm",),
        ("Khám 300 lượt",),
    ),
    Pair("người già được mừng thọ bao nhiêu", ("Chúc thọ 120 người cao tuổi",), ("Nạo vét 2 km rãnh",)),
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small random XLM-R with mean pooling (the e5 recipe), so inputs are told apart."""
    from sentence_transformers import SentenceTransformer, models

    d = tmp_path_factory.mktemp("tuning")
    st = _tiny_st_model(d / "tiny", e5_convert.ensure_e5_small(d / "models"))
    word = models.Transformer(str(d / "tiny" / "hf"), max_seq_length=64)
    mean = SentenceTransformer(modules=[word, models.Pooling(32, pooling_mode="mean")], device="cpu")
    mean.save(str(d / "mean"))
    assert st.is_dir()
    return d / "mean"


def _gap(location: str) -> float:
    """Mean over pairs of cos(question, its sentence) - cos(question, the other sentence)."""
    from sentence_transformers import SentenceTransformer

    m = SentenceTransformer(location, device="cpu")
    q = m.encode([p.query for p in PAIRS], normalize_embeddings=True)
    pos = m.encode([p.positives[0] for p in PAIRS], normalize_embeddings=True)
    neg = m.encode([p.negatives[0] for p in PAIRS], normalize_embeddings=True)
    return float(np.mean(np.sum(q * pos, 1) - np.sum(q * neg, 1)))


def test_fine_tune_moves_questions_toward_their_sentences(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(tuning.RECIPE, "lr", 1e-3)  # a random tiny model needs bigger steps
    monkeypatch.setitem(tuning.RECIPE, "epochs", 30)
    before = _gap(str(tiny))
    tuning.fine_tune(str(tiny), PAIRS, tmp_path / "out", ("", ""))
    assert _gap(str(tmp_path / "out")) > before + 0.05


def test_built_once_into_the_cache_and_named_by_its_inputs(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pairs = tmp_path / "pairs.jsonl"
    tuning.write_pairs(PAIRS, pairs)
    monkeypatch.setattr(tuning, "PAIRS_PATH", pairs)
    settings = load_settings(
        data_dir=tmp_path / "d", embedding_model=str(tiny), model_cache=tmp_path / "cache"
    )
    name, location = tuning.ensure_tuned(settings, str(tiny), str(tiny)) or ("", "")
    key = tuning.tuning_key(tuning.base_identity(str(tiny)), pairs)
    assert name == f"{tiny}+tuned-{key}" and Path(location).parent == tmp_path / "cache"
    marker = Path(location) / tuning.BUILD_MARKER
    before = marker.stat().st_mtime_ns
    assert tuning.ensure_tuned(settings, str(tiny), str(tiny)) == (name, location)
    assert marker.stat().st_mtime_ns == before, "a second call tuned again"
    assert not [p for p in (tmp_path / "cache").iterdir() if p.is_dir() and p.name.startswith(".")]
    tuning.write_pairs(PAIRS[:2], pairs)  # other pairs: another model, another name
    assert tuning.tuning_key(tuning.base_identity(str(tiny)), pairs) != key
    off = settings.model_copy(update={"embedding_tuning": False})
    assert tuning.ensure_tuned(off, str(tiny), str(tiny)) is None


def test_base_identity_is_the_same_on_every_machine(tmp_path: Path) -> None:
    def model_dir(where: str, sha: str) -> Path:
        d = tmp_path / where
        d.mkdir()
        (d / "config.json").write_text('{"hidden_size": 384}')
        (d / "BUILD_OK").write_text(
            json.dumps({"converter_version": 1, "source": f"/{where}/x.bin", "source_sha256": sha})
        )
        return d

    a, b, c = model_dir("ci", "aa"), model_dir("laptop", "aa"), model_dir("other", "bb")
    assert tuning.base_identity(str(a)) == tuning.base_identity(str(b)) != tuning.base_identity(str(c))


def test_committed_ranker_was_fitted_with_the_model_a_fresh_machine_builds(tmp_path: Path) -> None:
    from assistant.ranker import RANKER_PATH

    base = e5_convert.ensure_e5_small(tmp_path / "models")
    expected = tuning.tuned_name(DEFAULT_EMBEDDING_MODEL, tuning.tuning_key(tuning.base_identity(str(base))))
    fitted = json.loads(RANKER_PATH.read_text(encoding="utf-8"))["embedding_model"]
    assert fitted == expected, "tuning pairs or recipe changed: run `make fit` and commit the ranker"


def test_an_index_of_the_untuned_model_is_refused_with_the_switch_named() -> None:
    from vectorstore.errors import model_mismatch

    tuned = tuning.tuned_name(DEFAULT_EMBEDDING_MODEL, "abc")
    assert "BAOCAO_EMBEDDING_TUNING=0" in str(model_mismatch("baocao_chunks", DEFAULT_EMBEDDING_MODEL, tuned))
    assert "BAOCAO_EMBEDDING_TUNING=1" in str(model_mismatch("baocao_chunks", tuned, DEFAULT_EMBEDDING_MODEL))
    other = str(model_mismatch("baocao_chunks", tuned, tuning.tuned_name(DEFAULT_EMBEDDING_MODEL, "def")))
    assert "tinh chỉnh lại" in other and "nạp lại" in other
    assert f"BAOCAO_EMBEDDING_MODEL={DEFAULT_EMBEDDING_MODEL}," in str(
        model_mismatch("baocao_chunks", tuned, "intfloat/multilingual-e5-base")
    )
