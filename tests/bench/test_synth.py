"""The synthetic scale corpus: deterministic, wards renamed everywhere, figures perturbed."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from baocao.settings import load_settings
from baocao.vntext import fold
from bench.scale import question_sample, scale_question
from bench.synth import Synthesizer, noisy_vectors, perturb_figure, perturb_figures, ward_name
from bench.util import load_questions, source_files
from ingest.models import ParsedDocument
from ingest.pipeline import parse_file

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesizer:
    settings = load_settings(data_dir=tmp_path_factory.mktemp("unused"), chroma_host=None)
    return Synthesizer([parse_file(f, settings) for f in source_files()])


def _all_text(doc: ParsedDocument) -> str:
    m = doc.metadata
    parts = [doc.text, m.ward, m.title, m.source, m.doc_number]
    for c in doc.chunks:
        parts += [c.text, c.embed_text, *c.heading_path]
    return "\n".join(parts)


def test_deterministic(synth: Synthesizer) -> None:
    a = synth.document(7, 1)
    b = synth.document(7, 1)
    assert a.parsed.model_dump() == b.parsed.model_dump()
    assert a.source_chunks == b.source_chunks
    other = synth.document(8, 1)
    assert other.parsed.metadata.doc_id != a.parsed.metadata.doc_id
    assert other.parsed.metadata.ward != a.parsed.metadata.ward
    names = {d.parsed.metadata.ward for d in synth.corpus(20)}
    assert len(names) == 20 * synth.n_sources, "ward names must be unique"
    assert re.fullmatch(r"\w+(?: \w+)* \d+", ward_name(3, 1, 2))


def test_wards_renamed_everywhere(synth: Synthesizer) -> None:
    for copy in (0, 5, 123):
        for j in range(synth.n_sources):
            sd = synth.document(copy, j)
            text = _all_text(sd.parsed)
            low, folded = text.lower(), fold(text).lower()
            for old in synth.source_wards:
                assert old.lower() not in low, (copy, j, old)
                assert fold(old).lower() not in folded, (copy, j, old)
            new = sd.parsed.metadata.ward
            assert new == ward_name(copy, j, synth.n_sources)
            assert all(new in c.embed_text for c in sd.parsed.chunks[:3])
            src_text = synth.sources[j].text.lower()
            if synth.source_wards[j].upper().lower() in src_text:
                assert new.lower() in low


def test_figures_perturbed_years_and_dates_kept(synth: Synthesizer) -> None:
    src = synth.sources[0]
    sd = synth.document(2, 0)
    figures = set(re.findall(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+", src.text))
    assert len(figures) > 10
    body = sd.parsed.text
    changed = [f for f in figures if perturb_figure(f, 2) != f]
    assert len(changed) == len(figures)
    assert all(perturb_figure(f, 2) in body for f in changed)
    assert sum(f in body for f in figures) < len(figures) * 0.1
    for y in ("2023", "2024"):
        assert y in body
    assert perturb_figures("ngày 30/8/2023, năm 2024", 2) == "ngày 30/8/2023, năm 2024"
    f = perturb_figure("15.300.000.000", 4)
    assert f != "15.300.000.000" and f[0] == "1" and len(f) == 14
    assert [i for i, ch in enumerate(f) if ch == "."] == [2, 6, 10]
    assert perturb_figure("7", 4) == "7"


def test_sections_shuffled_chunks_preserved(synth: Synthesizer) -> None:
    src = synth.sources[1]
    sd = synth.document(9, 1)
    assert sorted(sd.source_chunks) == list(range(len(src.chunks)))
    assert sd.source_chunks != list(range(len(src.chunks)))
    assert sd.source_chunks[0] == 0, "the preamble stays first"
    assert [c.position for c in sd.parsed.chunks] == list(range(len(src.chunks)))
    assert len({c.id for c in sd.parsed.chunks}) == len(src.chunks)


def test_noisy_vectors_close_and_normalised() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(5, 384)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    v = np.asarray(noisy_vectors(base, 3, 1, [4, 0, 2]))
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    cos = (v * base[[4, 0, 2]]).sum(axis=1)
    assert (cos > 0.99).all() and (cos < 1.0).all()
    assert np.array_equal(v, np.asarray(noisy_vectors(base, 3, 1, [4, 0, 2])))


def test_scaled_questions_match_their_copy(synth: Synthesizer) -> None:
    questions = {
        q.id: q for q in load_questions(Path(__file__).resolve().parents[2] / "eval/data/train.jsonl")
    }
    assert len(question_sample(list(questions.values()), 40)) in range(38, 46)
    q = questions["q001"]
    sq = scale_question(q, synth, 100)
    assert sq.wards and sq.wards != q.wards and sq.wards[0] in sq.question
    copy = next(i for i in range(100) if synth.renames(i)["Xương Giang"] == sq.wards[0])
    body = synth.document(copy, synth.source_wards.index("Xương Giang")).parsed.text
    assert sq.must_contain != q.must_contain
    assert all(s in body for s in sq.must_contain)
    assert scale_question(q, synth, 100) == sq
