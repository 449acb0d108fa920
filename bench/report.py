"""Benchmark results → JSON + Markdown + growth-curve PNG under the output dir."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

TARGET_ANSWER_P50_SAMPLE_MS = 100.0
TARGET_ANSWER_P50_1000X_MS = 300.0
TARGET_INGEST_CHUNKS_PER_S = 10.0
TARGET_PARSE_DOCS_PER_S = 50.0
TARGET_APP_RSS_MB = 2048.0


def _get(d: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict):
            return None
        d = d.get(p)
    return d


def _fmt(v: Any, nd: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.{2 if abs(v) < 10 else nd}f}"
    return str(v)


def _target(name: str, target: str, value: Any, met: bool | None, note: str = "") -> dict[str, Any]:
    return {
        "name": name,
        "target": target,
        "value": value,
        "status": "not run" if met is None else ("met" if met else "missed"),
        "note": note,
    }


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    p50 = _get(res, "query", "product", "answer_ms", "p50")
    out.append(
        _target(
            "warm grounded answer p50, sample corpus",
            f"≤ {TARGET_ANSWER_P50_SAMPLE_MS:.0f} ms",
            p50,
            None if p50 is None else p50 <= TARGET_ANSWER_P50_SAMPLE_MS,
        )
    )
    rows = [r for r in res.get("scale", []) if r.get("scale") == 1000 and "error" not in r]
    if rows:
        worst = max(r["answer_ms"]["p50"] or 0.0 for r in rows)
        out.append(
            _target(
                "warm grounded answer p50, 1,000×",
                f"≤ {TARGET_ANSWER_P50_1000X_MS:.0f} ms",
                worst,
                worst <= TARGET_ANSWER_P50_1000X_MS,
                "worst of the stores",
            )
        )
    else:
        done = [r for r in res.get("scale", []) if "error" not in r and r.get("answer_ms")]
        note = "1,000× is opt-in (`--scales 10,100,1000`)"
        if done:
            big = max(done, key=lambda r: r["chunks"])
            note += (
                f"; largest run: {big['scale']}× ({big['chunks']:,} chunks) p50 {big['answer_ms']['p50']} ms"
            )
        out.append(
            _target(
                "warm grounded answer p50, 1,000×", f"≤ {TARGET_ANSWER_P50_1000X_MS:.0f} ms", None, None, note
            )
        )
    big = max((r["scale"] for r in res.get("scale", []) if "error" not in r), default=None)
    at = {r["mode"]: r for r in res.get("scale", []) if r.get("scale") == big and "error" not in r}
    if "milvus" in at and "embedded" in at:
        mv, ce = at["milvus"]["answer_ms"]["p50"], at["embedded"]["answer_ms"]["p50"]
        ratio = round(mv / ce, 2) if ce else None
        out.append(
            _target(
                f"Milvus Lite answer p50 vs Chroma embedded, {big:,}×",
                "≤ 1.5×",
                ratio,
                None if ratio is None else ratio <= 1.5,
                f"{mv} ms vs {ce} ms" + ("" if big == 1000 else " (1,000× not in this run)"),
            )
        )
    cps = _get(res, "ingest", "warm", "chunks_per_s")
    emb = _get(res, "ingest", "embedding", "chunks_per_s")
    out.append(
        _target(
            "ingest, embedding-bound (warm end to end)",
            f"≥ {TARGET_INGEST_CHUNKS_PER_S:.0f} chunks/s",
            cps,
            None if cps is None else cps >= TARGET_INGEST_CHUNKS_PER_S,
            f"embedding alone: {emb} chunks/s",
        )
    )
    dps = _get(res, "ingest", "parse_repair", "docs_per_s")
    out.append(
        _target(
            "parse + repair",
            f"≥ {TARGET_PARSE_DOCS_PER_S:.0f} docs/s",
            dps,
            None if dps is None else dps >= TARGET_PARSE_DOCS_PER_S,
        )
    )
    share = _get(res, "ingest", "indicators", "share_of_ingest")
    out.append(
        _target(
            "figure extraction share of ingest time",
            "≤ 20%",
            None if share is None else f"{share:.1%}",
            None if share is None else share <= 0.20,
            f"{_get(res, 'ingest', 'indicators', 'extract_ms_per_doc')} ms/doc",
        )
    )
    rss = _get(res, "query", "app_rss", "after_answer_mb")
    big_rss = max((r.get("rss_mb") or 0.0 for r in res.get("scale", []) if "error" not in r), default=None)
    out.append(
        _target(
            "app RSS with the model loaded (sample corpus)",
            f"≤ {TARGET_APP_RSS_MB:.0f} MB",
            rss,
            None if rss is None else rss <= TARGET_APP_RSS_MB,
            f"largest scale app process: {big_rss} MB" if big_rss else "",
        )
    )
    return out


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_fmt(c) for c in r) + " |" for r in rows]
    return [*lines, ""]


def markdown(res: dict[str, Any], png_name: str | None) -> str:
    meta = res["meta"]
    m = meta["machine"]
    lines = [f"# Benchmark — {meta['started']}", ""]
    lines.append(
        f"Machine: {m['cpus']} CPUs, {m['mem_total_gb']} GB RAM, Python {m['python']}; load average "
        f"(1/5/15 min) at start {m['load_avg_1_5_15']}, at end {meta.get('load_avg_end')}. "
        f"Embedding model `{meta['embedding_model']}`. Run: `{meta['command']}` "
        f"({'quick' if meta['quick'] else 'full'}), {meta.get('wall_s')} s wall."
    )
    lines += ["", "## Targets", ""]
    lines += _table(
        ["target", "goal", "measured", "status", "note"],
        [[t["name"], t["target"], t["value"], t["status"], t["note"]] for t in res["targets"]],
    )
    ing = res.get("ingest", {})
    if ing:
        lines += [
            "## Ingest (sample corpus: " + f"{len(ing['files'])} reports, {ing['cold']['chunks']} chunks)",
            "",
        ]
        rows = []
        for k in ("cold", "warm"):
            b = ing[k]
            rows.append(
                [
                    k,
                    b["docs_per_s"],
                    b["chunks_per_s"],
                    b["total_s"],
                    b.get("model_build_s", "–"),
                    b.get("model_load_s", "–"),
                    b["parse_s"],
                    b["embed_s"],
                    b["store_s"],
                    b["lexical_s"],
                ]
            )
        lines += _table(
            [
                "run",
                "docs/s",
                "chunks/s",
                "total s",
                "model build s",
                "model load s",
                "parse s",
                "embed s",
                "store s",
                "lexical s",
            ],
            rows,
        )
        pr, em, st = ing["parse_repair"], ing["embedding"], ing["store_writes"]
        lines += _table(
            ["stage (alone)", "throughput", "detail"],
            [
                [
                    "parse + repair",
                    f"{pr['docs_per_s']} docs/s",
                    f"{pr['docs']} docs in {pr['seconds']} s, {pr['mb_per_s']} MB/s",
                ],
                [
                    "embedding",
                    f"{em['chunks_per_s']} chunks/s",
                    f"{em['chunks']} chunks, avg {em['avg_chars']} chars, batch {em['batch_size']}",
                ],
                [
                    "store writes (Chroma upsert)",
                    f"{st['chunks_per_s']} chunks/s",
                    f"{st['chunks_per_s_incl_overhead']} chunks/s incl. add_document overhead",
                ],
            ],
        )
        lines += [f"Ingest process RSS {ing['rss_mb']} MB, peak {ing['peak_rss_mb']} MB.", ""]
    q = res.get("query", {})
    if q:
        pr = q["product"]
        lines += [f"## Query (sample corpus, {pr['questions']} dev questions, warm)", ""]
        rows = [
            [
                "product (hybrid, grounded)",
                pr["embed_ms"]["p50"],
                pr["embed_ms"]["p95"],
                pr["retrieve_ms"]["p50"],
                pr["retrieve_ms"]["p95"],
                pr["answer_ms"]["p50"],
                pr["answer_ms"]["p95"],
                pr["accuracy"],
            ]
        ]
        if "baseline" in q:
            b = q["baseline"]
            rows.append(
                [
                    "naive LangChain baseline",
                    "–",
                    "–",
                    "–",
                    "–",
                    b["answer_ms"]["p50"],
                    b["answer_ms"]["p95"],
                    b["accuracy"],
                ]
            )
        lines += _table(
            [
                "system",
                "embed p50",
                "embed p95",
                "retrieve p50",
                "retrieve p95",
                "answer p50",
                "answer p95",
                "accuracy",
            ],
            rows,
        )
        if "comparison" in q:
            c = q["comparison"]
            lines += [
                f"Product/baseline answer latency: p50 ×{c['answer_p50_ratio_product_over_baseline']}, "
                f"p95 ×{c['answer_p95_ratio_product_over_baseline']}; accuracy "
                f"{c['accuracy_product']} vs {c['accuracy_baseline']} "
                f"({c['accuracy_gain_points']:+} points). Baseline index build {q['baseline']['build_s']} s "
                f"({q['baseline']['chunks']} chunks).",
                "",
            ]
        a = q.get("app_rss", {})
        lines += [
            f"App memory (fresh process, index open, model loaded, one answer): "
            f"{a.get('after_answer_mb', a.get('error'))} MB (Python alone {a.get('python_mb')} MB).",
            "",
        ]
    sc = res.get("scale", [])
    if sc:
        lines += ["## Scale (synthetic corpus; latencies in ms, warm)", ""]
        rows = []
        for r in sc:
            if "error" in r:
                rows.append([f"{r['scale']}×", r["mode"], "error: " + r["error"]] + [""] * 12)
                continue
            rows.append(
                [
                    f"{r['scale']}×",
                    r["mode"],
                    r["docs"],
                    r["chunks"],
                    r["build_s"],
                    r["write_chunks_per_s"],
                    r["retrieve_ms"]["p50"],
                    r["retrieve_ms"]["p95"],
                    r["answer_ms"]["p50"],
                    r["answer_ms"]["p95"],
                    r["accuracy"],
                    r.get("all_ward_comparison_ms"),
                    r["index_mb"],
                    r["app_rss_mb"],
                    r.get("server_rss_mb"),
                ]
            )
        lines += _table(
            [
                "scale",
                "mode",
                "docs",
                "chunks",
                "build s",
                "write chunks/s",
                "retrieve p50",
                "retrieve p95",
                "answer p50",
                "answer p95",
                "accuracy",
                "all-ward comparison",
                "index MB",
                "app RSS MB",
                "server RSS MB",
            ],
            rows,
        )
        if png_name:
            lines += [f"![growth curve]({png_name})", ""]
    for note in res.get("notes", []):
        lines.append(f"- {note}")
    return "\n".join(lines).rstrip() + "\n"


def growth_png(rows: Sequence[dict[str, Any]], path: Path) -> Path | None:
    ok = [r for r in rows if "error" not in r and r.get("answer_ms", {}).get("p50") is not None]
    if not ok:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    styles = {"embedded": ("tab:blue", "o"), "server": ("tab:orange", "s"), "milvus": ("tab:green", "^")}
    for mode in ("embedded", "server", "milvus"):
        pts = sorted((r for r in ok if r["mode"] == mode), key=lambda r: r["chunks"])
        if not pts:
            continue
        color, marker = styles[mode]
        xs = [r["chunks"] for r in pts]
        ax.plot(
            xs, [r["answer_ms"]["p50"] for r in pts], color=color, marker=marker, label=f"{mode} answer p50"
        )
        ax.plot(
            xs,
            [r["answer_ms"]["p95"] for r in pts],
            color=color,
            marker=marker,
            linestyle="--",
            label=f"{mode} answer p95",
        )
        ax.plot(
            xs,
            [r["retrieve_ms"]["p50"] for r in pts],
            color=color,
            marker=marker,
            linestyle=":",
            alpha=0.6,
            label=f"{mode} retrieval p50",
        )
    ax.axhline(TARGET_ANSWER_P50_1000X_MS, color="grey", linewidth=0.8, label="300 ms target (1,000×)")
    ax.set_xscale("log")
    ax.set_xlabel("chunks in the index (log)")
    ax.set_ylabel("latency (ms)")
    ax.set_title("Grounded answer latency vs corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write(res: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """latest.json / latest.md / latest-growth.png plus dated copies; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    res["targets"] = targets(res)
    stamp = res["meta"]["stamp"]
    png = growth_png(res.get("scale", []), out_dir / "latest-growth.png")
    paths = {"json": out_dir / "latest.json", "md": out_dir / "latest.md"}
    paths["json"].write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    paths["md"].write_text(markdown(res, png.name if png else None), encoding="utf-8")
    dated = {k: out_dir / f"bench-{stamp}.{k}" for k in ("json", "md")}
    shutil.copyfile(paths["json"], dated["json"])
    dated_png = out_dir / f"bench-{stamp}-growth.png"
    md = markdown(res, dated_png.name if png else None)
    dated["md"].write_text(md, encoding="utf-8")
    if png:
        shutil.copyfile(png, dated_png)
        paths["png"] = png
    return paths
