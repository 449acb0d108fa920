"""The figure/not-a-figure decision: grammar roles, the fitted model, its fitting routine."""

import json
import math
from pathlib import Path

import pytest

from ingest import figure_model
from ingest.numbers import candidates, find_figures


def _texts(sentence: str) -> list[str]:
    return [f.value_text for f in find_figures(sentence)]


def test_dotted_decimal_with_unit_is_one_figure_and_without_unit_a_code() -> None:
    figs = find_figures("- Rau màu: Diện tích 7.2 ha, sản lượng 46.8 tạ/ha")
    assert [(f.value_text, f.value) for f in figs] == [("7.2 ha", 7.2), ("46.8 tạ/ha", 46.8)]
    figs = find_figures("3 tiêu chí chưa đạt gồm: Tiêu chí 15.1 về tỷ lệ người dân tham gia BHYT")
    assert [f.value for f in figs] == [3]


def test_compound_money_time_and_spaced_fraction() -> None:
    (f,) = find_figures("thu ngân sách được trên 25 tỷ 941 triệu đồng")
    assert f.value == pytest.approx(25_941_000_000) and f.unit == "đồng"
    assert find_figures("Ngày đăng 26/06/2018 | 11:09") == []
    (g,) = find_figures("Diện tích gieo trồng 33/ 31,5 ha")
    assert (g.value, g.denominator, g.unit) == (33, 31.5, "ha")


def test_every_number_is_a_candidate_with_its_grammatical_role() -> None:
    cands = candidates("Căn cứ Công văn số 3390/UBND-TCKH, đã cấp 04 hộ")
    roles = {c.value_text: c.features for c in cands}
    assert any(f.get("rule") for t, f in roles.items() if t.startswith("3390"))
    assert roles["04 hộ"].get("rule") is None and roles["04 hộ"]["leading_zero"] == 1.0
    assert [f.value_text for f in find_figures("Căn cứ Công văn số 3390/UBND-TCKH, đã cấp 04 hộ")] == [
        "04 hộ"
    ]
    # min_score=-inf keeps the spans the model would drop (used to fit it)
    assert len(find_figures("cả 3 bậc học đạt 100%", -math.inf)) >= len(find_figures("cả 3 bậc học đạt 100%"))


def test_ruled_out_span_scores_zero_and_model_weighs_the_rest() -> None:
    assert figure_model.score({"rule": 1.0, "unit_symbol": 1.0}) == 0.0
    with_unit = figure_model.score({"unit_symbol": 1.0})
    bare_small = figure_model.score({"no_unit": 1.0, "small_int": 1.0, "sentence_end": 1.0})
    assert with_unit > figure_model.threshold() > bare_small


def test_without_weights_the_grammar_decides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(figure_model, "MODEL_PATH", tmp_path / "absent.json")
    figure_model.reset()
    try:
        assert figure_model.score({"no_unit": 1.0, "small_int": 1.0}) == 1.0
        assert figure_model.score({"label_list": 1.0}) == 0.0
    finally:
        monkeypatch.undo()
        figure_model.reset()


def test_shipped_model_was_fitted_on_the_train_reports_only() -> None:
    from eval.indicators import TRAIN_REPORTS

    data = json.loads(figure_model.MODEL_PATH.read_text(encoding="utf-8"))
    assert all(src in data["about"] for src in TRAIN_REPORTS)
    assert "xa_" not in data["about"] and "phuong_" not in data["about"]
    assert 0.0 < data["threshold"] < 1.0


def test_fit_learns_a_separating_feature_and_a_threshold() -> None:
    from eval.fit_figures import fit

    feats = [{"unit_symbol": 1.0}] * 30 + [{"no_unit": 1.0, "small_int": 1.0}] * 30
    labels = [1] * 30 + [0] * 30
    groups = ["a", "b"] * 30
    model = fit(feats, labels, groups)
    assert model["weights"]["unit_symbol"] > 0 > model["weights"]["small_int"]
    assert 0.0 < model["threshold"] < 1.0
