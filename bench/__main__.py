"""``python -m bench [--quick] [--scales 10,100] [--no-server] [--out DIR]`` — see bench/README.md."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench.util import REPO_ROOT, bench_settings, load_questions, log, machine, quiet_logs, uses_real_model

DEFAULT_SCALES = "10,100"


def _scales(text: str) -> list[int]:
    try:
        vals = [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--scales: comma-separated integers, got {text!r}") from exc
    if any(v < 1 for v in vals):
        raise argparse.ArgumentTypeError("--scales: every scale must be ≥ 1")
    return vals


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m bench", description="Trợ lý Báo cáo performance benchmark")
    ap.add_argument("--quick", action="store_true", help="few questions, short loops (smoke test)")
    ap.add_argument(
        "--scales",
        type=_scales,
        default=None,
        help=f"corpus multiples for the scale run (default {DEFAULT_SCALES}; 1000 is opt-in)",
    )
    ap.add_argument("--no-server", action="store_true", help="scale runs: no Chroma server")
    ap.add_argument("--no-milvus", action="store_true", help="scale runs: no Milvus Lite")
    ap.add_argument("--no-baseline", action="store_true", help="skip the naive LangChain baseline")
    ap.add_argument("--no-embed", action="store_true", help="skip torch vs ONNX embedding comparison")
    ap.add_argument(
        "--questions", type=int, default=None, help="dev questions per scale run (default 40; --quick: 8)"
    )
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "results", help="results directory")
    ap.add_argument("--keep", action="store_true", help="keep the temp data dirs (printed)")
    ap.add_argument("--scale-timeout", type=float, default=3600.0, help="seconds per (scale, mode) run")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    quiet_logs()
    scales = args.scales if args.scales is not None else _scales(DEFAULT_SCALES)
    n_scale_q = args.questions or (8 if args.quick else 40)
    started = datetime.now()
    t_start = time.perf_counter()
    probe = bench_settings(Path(tempfile.gettempdir()))
    res: dict[str, Any] = {
        "meta": {
            "started": started.isoformat(timespec="seconds"),
            "stamp": started.strftime("%Y%m%d-%H%M%S"),
            "command": "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv),
            "quick": args.quick,
            "scales": scales,
            "server": not args.no_server,
            "embedding_model": probe.embedding_model,
            "machine": machine(),
        },
        "notes": [],
    }
    tmp = Path(tempfile.mkdtemp(prefix="baocao-bench-"))
    log(f"temp dir {tmp}; load average {os.getloadavg()}")
    try:
        from bench import ingest_bench, query_bench, scale

        if not args.no_embed and uses_real_model(probe):
            from bench import embed_bench

            res["embed"] = embed_bench.run(
                tmp / "embed", chunks=100 if args.quick else 500, answers=not args.quick
            )
        ing = ingest_bench.run(tmp / "ingest", quick=args.quick)
        res["ingest"] = ing.result

        questions = load_questions()
        if args.quick:
            questions = scale.question_sample(questions, 12)
        res["query"] = query_bench.run(
            ing.settings, ing.index, ing.embedder, questions, with_baseline=not args.no_baseline
        )

        vectors = tmp / "vectors.npz"
        arrays: dict[str, Any] = {f"doc{j}": v for j, v in enumerate(ing.vectors)}
        np.savez(vectors, **arrays)
        ing.index.close()
        modes = ["embedded"] + ([] if args.no_server else ["server"]) + ([] if args.no_milvus else ["milvus"])
        rows = []
        for s in scales:
            for mode in modes:
                log(f"scale {s}× ({mode}) …")
                row = scale.run_one(
                    s, mode, tmp / f"scale-{s}-{mode}", vectors, ing.model_dir, n_scale_q, args.scale_timeout
                )
                if "error" in row:
                    log(f"scale {s}× ({mode}) FAILED: {row['error']}")
                rows.append(row)
                if not args.keep:
                    shutil.rmtree(tmp / f"scale-{s}-{mode}", ignore_errors=True)
        res["scale"] = rows
        if 1000 not in scales:
            res["notes"].append(
                "1,000× not run (opt-in: `python -m bench --scales 10,100,1000`); "
                "see bench/README.md for why and for the extrapolation."
            )
        res["notes"].append(
            "Scale runs reuse the sample chunks' vectors (+ tiny noise) and give sentence units "
            "cheap deterministic (hash) vectors; queries are embedded with the real model. Modes: "
            "embedded = Chroma PersistentClient, server = `chroma run`, milvus = Milvus Lite file. Comparisons naming no ward compare every ward: excluded "
            "from the scale latency sample, timed once as 'all-ward comparison'."
        )
    finally:
        if args.keep:
            log(f"kept temp data in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    res["meta"]["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    res["meta"]["wall_s"] = round(time.perf_counter() - t_start, 1)
    from bench import report

    paths = report.write(res, args.out)
    if res.get("embed"):
        from bench.embed_bench import markdown as embed_markdown

        for md in (paths["md"], args.out / f"bench-{res['meta']['stamp']}.md"):
            with open(md, "a", encoding="utf-8") as fh:
                fh.write("\n" + embed_markdown(res["embed"]))
    for t in res["targets"]:
        log(f"target {t['name']}: {t['value']} ({t['target']}) → {t['status']}")
    log("wrote " + ", ".join(str(p) for p in paths.values()))
    return 1 if any("error" in r for r in res.get("scale", [])) else 0


if __name__ == "__main__":
    raise SystemExit(main())
