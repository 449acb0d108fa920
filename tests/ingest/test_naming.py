"""Choosing a figure's name among the sentence's candidates (fake bag-of-words embedding)."""

import zlib

import numpy as np

from ingest import naming
from ingest.indicators import _name_candidates, catalogue, extract_sentence, norm
from ingest.naming import NameChooser, chooser_for
from ingest.numbers import find_figures


def _embed(texts: list[str]) -> list[list[float]]:
    out = []
    for t in texts:
        v = np.zeros(64)
        for w in norm(t).split():
            v[zlib.crc32(w.encode()) % 64] += 1.0
        out.append(v.tolist())
    return out


def test_candidates_leave_out_bare_units_and_the_base_of_a_rate() -> None:
    sentence = "Tổng đàn gia súc có 17.919 con, đạt 91,1% KH"
    f_count, f_rate = find_figures(sentence)
    cands = _name_candidates(f_count, "Tổng đàn gia súc có", "", "", sentence, None, "", ("x", None), "y")
    assert all(norm(c[1]) != "con" for c in cands)
    assert ("left", "đàn gia súc", None) in cands
    rate = _name_candidates(f_rate, "", "", "KH", sentence, "đàn gia súc", "", ("x", None), "y", "kế hoạch")
    assert not any(src in ("noun", "rate_noun") for src, _, _ in rate)


def test_nearest_entry_fits_the_unit_and_unweighted_chooser_keeps_the_word_cascade() -> None:
    ch = NameChooser(_embed)
    (f,) = find_figures("thu ngân sách đạt 17.384.571.763 đồng")
    e, sim = ch.nearest(np.asarray(ch.vectors(["thu ngân sách"])[0]), "money", "đồng")
    assert e is not None and e.measure in ("money", "any") and sim > 0.5
    cands = [("words", "thu ngân sách", None), ("left", "thu ngân sách đạt", None)]
    assert ch.choose(f, "thu ngân sách đồng", "money", cands)[0] == "thu ngân sách"
    assert f.names and all("sim_query" in feats for _, feats in f.names)


def test_weighted_chooser_picks_the_best_scored_candidate() -> None:
    ch = NameChooser(_embed, {"intercept": 0.0, "weights": {"sim_query": 5.0, "src_words": -5.0}})
    (f,) = find_figures("có 04 hộ nghèo")
    cands = [("words", "số hộ cận nghèo", None), ("noun", "hộ nghèo", None)]
    assert ch.choose(f, "hộ nghèo", "count", cands)[0] == "hộ nghèo"


def test_chooser_only_for_the_model_it_was_fitted_for() -> None:
    assert chooser_for("another/model", _embed) is None
    assert chooser_for(naming.config().get("model", ""), None) is None


def test_extraction_with_a_chooser_names_every_figure() -> None:
    from ingest.indicators import _Ctx

    ctx = _Ctx("Xương Giang", [2023], False, 2023, "")
    ch = NameChooser(_embed, {"intercept": 0.0, "weights": {"src_words": 1.0}})
    out = extract_sentence("Toàn phường có 04 hộ nghèo, chiếm 0,14%", ctx, namer=ch)
    assert [f.value_text for f, _ in out] == ["04 hộ nghèo", "0,14%"]
    assert all(info["indicator"] for _, info in out)
    assert len(catalogue()) > 100
