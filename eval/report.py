"""Markdown/JSON reports of an eval run, the side-by-side comparison and its chart.

Files (``DIR`` = ``eval/reports`` by default):
* ``DIR/<date>-<config>.md`` and ``.json`` — one configuration's summary on the train set
  (``<date>-<questions-stem>-<config>`` for any other question file);
* ``DIR/<date>-compare.md`` — configurations side by side, per-category accuracy;
* ``DIR/<date>-accuracy-by-category.png`` — grouped bars per configuration;
* ``DIR/LATEST.md`` — a copy of the latest comparison (the README links it).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.schema import CATEGORIES

REPORTS_DIR = Path(__file__).resolve().parent / "reports"

# (summary key, column title, kind)
MAIN_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("hit@1", "hit@1", "pct"),
    ("hit@5", "hit@5", "pct"),
    ("mrr@10", "MRR@10", "num"),
    ("accuracy", "accuracy", "pct"),
    ("citation_precision", "citation precision", "pct"),
    ("refusal_recall", "refusal recall", "pct"),
    ("false_refusal_rate", "false refusals", "pct"),
    ("latency_p50_ms", "p50 ms", "ms"),
    ("latency_p95_ms", "p95 ms", "ms"),
)

CATEGORY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("questions", "n", "int"),
    ("accuracy_category", "accuracy", "pct"),
    ("hit@5", "hit@5", "pct"),
    ("citation_precision", "citation precision", "pct"),
    ("false_refusal_rate", "false refusals", "pct"),
    ("refusal_recall", "refusal recall", "pct"),
)

DEFINITIONS = """\
- **hit@k / MRR@10** — over answerable questions with evidence: rank of the first retrieved
  passage containing an evidence string (case, whitespace, Unicode form and tone placement ignored).
- **accuracy** — answerable questions not refused whose answer contains every `must_contain` string.
  Per category, unanswerable questions count as correct when refused.
- **citation precision** — share of citations (answerable, non-refused answers) whose passage
  contains an evidence string of the question.
- **refusal recall** — unanswerable questions refused; **false refusals** — answerable questions refused.
- **p50/p95 ms** — answer latency per question (includes retrieval; the index is warm).
"""


def today() -> str:
    return dt.date.today().isoformat()


def fmt(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "num":
        return f"{value:.3f}"
    if kind == "ms":
        return f"{value:.0f}"
    return str(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _cell(text: str, limit: int = 220) -> str:
    text = re.sub(r"\s+", " ", text).replace("|", "/").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main_table(summaries: Mapping[str, Mapping[str, Any]]) -> str:
    """One row per configuration with the headline metrics."""
    rows = [
        [f"**{name}**", *(fmt(s["overall"].get(key), kind) for key, _, kind in MAIN_COLUMNS)]
        for name, s in summaries.items()
    ]
    return "\n".join(_table(["config", *(title for _, title, _ in MAIN_COLUMNS)], rows))


def _categories(*summaries: Mapping[str, Any]) -> list[str]:
    """Known categories in their order, then any new label found in the summaries."""
    found = [c for s in summaries for c in s["by_category"]]
    return [c for c in CATEGORIES if c in found] + [c for c in dict.fromkeys(found) if c not in CATEGORIES]


def category_table(summary: Mapping[str, Any]) -> str:
    rows = []
    for cat in _categories(summary):
        block = summary["by_category"].get(cat)
        if block:
            rows.append([cat, *(fmt(block.get(key), kind) for key, _, kind in CATEGORY_COLUMNS)])
    return "\n".join(_table(["category", *(t for _, t, _ in CATEGORY_COLUMNS)], rows))


def category_accuracy_table(summaries: Mapping[str, Mapping[str, Any]]) -> str:
    """Accuracy per category (rows) and configuration (columns)."""
    rows = []
    for cat in _categories(*summaries.values()):
        blocks = [s["by_category"].get(cat) for s in summaries.values()]
        if not any(blocks):
            continue
        n = next(b["questions"] for b in blocks if b)
        rows.append([cat, str(n), *(fmt(b.get("accuracy_category") if b else None, "pct") for b in blocks)])
    return "\n".join(_table(["category", "n", *summaries], rows))


def failures_section(summary: Mapping[str, Any], limit: int = 10) -> list[str]:
    worst = summary.get("worst", [])[:limit]
    if not worst:
        return ["No failures."]
    rows = []
    for d in worst:
        q = d["question"]
        if d.get("history"):
            q = " → ".join([*d["history"], q])
        rows.append(
            [
                d["id"],
                d["category"],
                d["kind"],
                _cell(q, 160),
                _cell("; ".join(d["expected"]), 80),
                _cell(d["got"]),
                str(d["rank"] if d["rank"] is not None else "—"),
            ]
        )
    return _table(["id", "category", "failure", "question", "expected", "got", "rank"], rows)


def config_markdown(
    config: str, summary: Mapping[str, Any], questions_file: str, problems: Sequence[str], date: str
) -> str:
    o = summary["overall"]
    lines = [
        f"# Eval — `{config}` — {date}",
        "",
        f"Questions: `{questions_file}` — {o['questions']} questions "
        f"({o['answerable']} answerable, {o['unanswerable']} unanswerable).",
        "",
        main_table({config: summary}),
        "",
        "## By category",
        "",
        category_table(summary),
        "",
        "## Worst failures",
        "",
        *failures_section(summary),
        "",
    ]
    if problems:
        lines += ["## Input / run problems", "", *(f"- {p}" for p in problems), ""]
    lines += ["## Definitions", "", DEFINITIONS]
    return "\n".join(lines)


def write_config_report(
    config: str,
    summary: Mapping[str, Any],
    questions_file: str,
    problems: Sequence[str] = (),
    out_dir: Path = REPORTS_DIR,
    date: str | None = None,
) -> tuple[Path, Path]:
    date = date or today()
    out_dir.mkdir(parents=True, exist_ok=True)
    # another question file must not overwrite the train-set report of the same day
    stem = Path(questions_file).stem
    name = f"{date}-{config}" if stem == "train" else f"{date}-{stem}-{config}"
    md = out_dir / f"{name}.md"
    js = out_dir / f"{name}.json"
    md.write_text(config_markdown(config, summary, questions_file, problems, date), encoding="utf-8")
    payload = {
        "config": config,
        "date": date,
        "questions_file": questions_file,
        "problems": list(problems),
        **summary,
    }
    js.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return md, js


def accuracy_chart(summaries: Mapping[str, Mapping[str, Any]], path: Path) -> Path:
    """Grouped bars: accuracy per category, one bar per configuration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cats = _categories(*summaries.values())
    n = max(1, len(summaries))
    width = 0.8 / n
    fig, ax = plt.subplots(figsize=(max(8.0, 1.3 * len(cats)), 4.8))
    for i, (name, s) in enumerate(summaries.items()):
        vals = [100 * (s["by_category"].get(c, {}).get("accuracy_category") or 0.0) for c in cats]
        xs = [j + (i - (n - 1) / 2) * width for j in range(len(cats))]
        ax.bar(xs, vals, width, label=name)
    ax.set_xticks(range(len(cats)))
    ax.set_xticklabels(cats, rotation=25, ha="right")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 105)
    ax.set_title("Answer accuracy by question category")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower left", fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def compare_markdown(
    summaries: Mapping[str, Mapping[str, Any]],
    questions_file: str,
    date: str,
    chart_name: str,
    runs: Mapping[str, str] | None = None,
) -> str:
    first = next(iter(summaries.values()))["overall"]
    lines = [
        f"# Eval comparison — {date}",
        "",
        f"Questions: `{questions_file}` — {first['questions']} questions "
        f"({first['answerable']} answerable, {first['unanswerable']} unanswerable). "
        "`hybrid`/`dense`/`lexical` are the assistant with that retrieval mode; `naive` is the "
        "LangChain tutorial pipeline (raw text, 1000/200 character chunks, top-4, top passage as the answer).",
        "",
        main_table(summaries),
        "",
        "## Accuracy by category",
        "",
        category_accuracy_table(summaries),
        "",
        f"![accuracy by category]({chart_name})",
        "",
    ]
    for name, s in summaries.items():
        lines += [f"## `{name}` by category", "", category_table(s), ""]
    for name, s in summaries.items():
        lines += [f"## `{name}` — worst failures", "", *failures_section(s), ""]
    if runs:
        lines += ["## Run files", "", *(f"- `{name}`: `{p}`" for name, p in runs.items()), ""]
    lines += ["## Definitions", "", DEFINITIONS]
    return "\n".join(lines)


def write_compare_report(
    summaries: Mapping[str, Mapping[str, Any]],
    questions_file: str,
    out_dir: Path = REPORTS_DIR,
    date: str | None = None,
    runs: Mapping[str, str] | None = None,
) -> tuple[Path, Path]:
    """Write the comparison Markdown, the chart and ``LATEST.md``; return (markdown, chart)."""
    if not summaries:
        raise ValueError("write_compare_report: no configurations")
    date = date or today()
    out_dir.mkdir(parents=True, exist_ok=True)
    chart = accuracy_chart(summaries, out_dir / f"{date}-accuracy-by-category.png")
    text = compare_markdown(summaries, questions_file, date, chart.name, runs)
    md = out_dir / f"{date}-compare.md"
    md.write_text(text, encoding="utf-8")
    (out_dir / "LATEST.md").write_text(text, encoding="utf-8")
    return md, chart


def console_summary(config: str, summary: Mapping[str, Any]) -> str:
    """The headline table and per-category accuracy as plain text for the terminal."""
    o = summary["overall"]
    width = max(len(t) for _, t, _ in MAIN_COLUMNS) + 2
    lines = [f"== {config}: {o['questions']} questions ({o['answerable']} answerable) =="]
    lines += [f"  {title:<{width}}{fmt(o.get(key), kind):>8}" for key, title, kind in MAIN_COLUMNS]
    lines.append("  accuracy by category:")
    for cat in _categories(summary):
        b = summary["by_category"].get(cat)
        if b:
            lines.append(f"    {cat:<14}{fmt(b['accuracy_category'], 'pct'):>8}  (n={b['questions']})")
    return "\n".join(lines)
