"""Naming a figure: a fitted choice among the names its sentence offers, by meaning.

The sentence offers several names for a figure (``indicators._name_candidates``): the word
matcher's catalogue indicator, the hand-ordered cascade's own phrase, the words before it, the
label before a colon, the clause, the noun phrase after it (with its unit, or as a rate), the
previous figure's name, the section heading. ``NameChooser`` adds the catalogue indicator
nearest in meaning (every catalogue name and alias embedded once), describes each candidate
(where it comes from, its length, whether it is only a unit or holds digits, its cosine
similarity to the figure's context and, for the nearest entry, to the catalogue) and picks the
candidate a logistic model scores highest. The model is fitted on the two sample reports'
hand labels only by ``python -m eval.fit_naming`` and stored with the embedding model it was
fitted for (``data/naming.json``). With another model, no fit, or no embedding function
(tests, fast paths) the word matcher's cascade names figures as before. ``ingest`` never loads
a model itself: the caller passes ``embed`` (texts → vectors).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ingest.indicators import Entry, _fits, catalogue, norm
from ingest.numbers import Figure

CONFIG_PATH = Path(__file__).parent / "data" / "naming.json"
Embed = Callable[[list[str]], Sequence[Sequence[float]]]
Candidate = tuple[str, str, Entry | None]


@lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    if not CONFIG_PATH.exists():
        return {}
    data: dict[str, Any] = json.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    return data


def _unit_rows(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    m = np.asarray(vectors, dtype=np.float32)
    n = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(n == 0, 1, n)


class NameChooser:
    def __init__(self, embed: Embed, weights: dict[str, Any] | None = None) -> None:
        self.embed = embed
        self.weights = weights  # {"intercept": b, "weights": {feature: w}}; None: the word cascade
        seen: dict[tuple[str, str], Entry] = {}
        for e in catalogue():
            seen.setdefault((e.indicator, e.alias), e)
        self.entries = list(seen.values())
        self._vecs = _unit_rows(embed([e.alias for e in self.entries]))
        self._cache: dict[str, np.ndarray] = {}

    def vectors(self, texts: list[str]) -> list[np.ndarray]:
        todo = sorted({t for t in texts if t not in self._cache})
        if todo:
            for t, v in zip(todo, _unit_rows(self.embed(todo)), strict=True):
                self._cache[t] = v
        return [self._cache[t] for t in texts]

    def nearest(self, qv: np.ndarray, measure: str, unit: str) -> tuple[Entry | None, float]:
        """The catalogue entry nearest in meaning whose measure fits, and its similarity."""
        sims = self._vecs @ qv
        for i in np.argsort(-sims):
            e = self.entries[int(i)]
            if _fits(e, measure, unit):
                return e, float(sims[int(i)])
        return None, 0.0

    def describe(
        self, f: Figure, query: str, measure: str, cands: list[Candidate]
    ) -> list[tuple[str, Entry | None, dict[str, float]]]:
        """Each distinct candidate name with its entry and features."""
        qv = self.vectors([query or f.unit or "?"])[0]
        near, near_sim = self.nearest(qv, measure, f.unit)
        if near is not None:
            cands = [*cands, ("meaning", near.indicator, near)]
        merged: dict[str, tuple[str, Entry | None, set[str]]] = {}
        for src, name, entry in cands:
            key = norm(name)
            if not key:
                continue
            if key in merged:
                n0, e0, srcs = merged[key]
                merged[key] = (n0, e0 or entry, srcs | {src})
            else:
                merged[key] = (name, entry, {src})
        names = [v[0] for v in merged.values()]
        sims = [float(v @ qv) for v in self.vectors(names)]
        unit = norm(f.unit)
        out = []
        for (key, (name, entry, srcs)), sim in zip(merged.items(), sims, strict=True):
            n = len(key.split())
            feats = {f"src_{s}": 1.0 for s in srcs}
            feats.update(
                {
                    "n_words": min(n, 12) / 12,
                    "one_word": float(n == 1),
                    "has_digit": float(any(c.isdigit() for c in name)),
                    "only_unit": float(bool(unit) and key == unit),
                    "catalogued": float(entry is not None),
                    "sim_query": sim,
                    "sim_catalogue": near_sim if "meaning" in srcs else 0.0,
                    f"measure_{measure}": 1.0,
                }
            )
            out.append((name, entry, {k: v for k, v in feats.items() if v}))
        return out

    def score(self, feats: dict[str, float]) -> float:
        assert self.weights is not None
        w: dict[str, float] = self.weights["weights"]
        z = float(self.weights["intercept"]) + sum(w.get(k, 0.0) * v for k, v in feats.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def choose(self, f: Figure, query: str, measure: str, cands: list[Candidate]) -> tuple[str, Entry | None]:
        items = self.describe(f, query, measure, cands)
        f.names = [(name, feats) for name, _, feats in items]
        if self.weights is None or not items:
            return cands[0][1], cands[0][2]  # the word cascade's choice
        name, entry, _ = max(items, key=lambda it: self.score(it[2]))
        return name, entry


def chooser_for(model_name: str, embed: Embed | None) -> NameChooser | None:
    """The chooser fitted for ``model_name`` (None: another model, no fit, or no ``embed``)."""
    cfg = config()
    if embed is None or not cfg or cfg.get("model") != model_name:
        return None
    return NameChooser(embed, cfg)
