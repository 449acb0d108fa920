"""``python -m eval run|compare|validate|gate`` — evaluate the assistant on a question set.

* ``run --questions FILE --out OUT.jsonl [--config hybrid|dense|lexical|naive]`` —
  answer every question, write one answer record per line, print the metric
  summary and save ``eval/reports/<date>-<config>.md/.json``. Exit 0 whatever the
  scores; 2 when the input is unusable (missing file, no valid question, empty index).
* ``compare --questions FILE [--out-dir DIR] [--configs hybrid,dense,lexical,naive]`` —
  every configuration in one process (one embedder, one shared index) and the
  side-by-side report ``<date>-compare.md`` (+ chart, ``LATEST.md``).
* ``validate FILE`` — check a question file against the cleaned reports.
* ``gate --questions FILE`` — the hybrid assistant must meet every threshold of
  :data:`eval.metrics.THRESHOLDS`; exit 1 with the failing metrics otherwise.

The index must already be built: ``python -m ingest add data/reports``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.report import (
    REPORTS_DIR,
    console_summary,
    failures_section,
    today,
    write_compare_report,
    write_config_report,
)

if TYPE_CHECKING:
    from baocao.settings import Settings
    from eval.runner import Answerer
    from vectorstore.index import Index

CONFIGS: tuple[str, ...] = ("hybrid", "dense", "lexical", "naive")
REPO_ROOT = Path(__file__).resolve().parent.parent
EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


class UnusableInput(Exception):
    """The run cannot start (missing question file, empty index, …); exit 2."""


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _check_questions_file(path: Path) -> None:
    if not path.is_file():
        raise UnusableInput(f"Không tìm thấy tệp câu hỏi: {path}")


def _parse_configs(text: str) -> list[str]:
    configs = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in configs if c not in CONFIGS]
    if bad or not configs:
        raise UnusableInput(
            f"Cấu hình không hợp lệ: {', '.join(bad) or '(trống)'}; chọn trong: {', '.join(CONFIGS)}"
        )
    return configs


def open_index(settings: Settings) -> Index:
    """The built index, warmed up (embedder + lexical index); UnusableInput when empty."""
    from vectorstore.index import Index

    index = Index(settings)
    if not index.documents(fresh=True):
        raise UnusableInput(
            f"Chỉ mục trống ({settings.data_dir}): hãy nạp báo cáo trước, ví dụ "
            "`python -m ingest add data/reports`."
        )
    _ = index.embedder  # load the model once, before any latency is measured
    index.lexical()
    return index


def make_answerer(
    config: str, settings: Settings, index: Index, use_llm: bool | None, reports: Sequence[Path]
) -> Answerer:
    if config == "naive":
        from eval.baseline import NaiveBaseline

        return NaiveBaseline(index.embedder, reports=reports)  # type: ignore[arg-type]
    from assistant.service import Assistant

    assistant = Assistant(settings, index=index, retrieval_mode=config, use_llm=use_llm)  # type: ignore[arg-type]
    assistant.ask("Thu ngân sách năm 2023?", [])  # warm-up (caches), not measured
    return assistant


def evaluate(
    answerer: Answerer, questions: Path, out: Path, config: str
) -> tuple[dict[str, Any] | None, list[str]]:
    """Answer every valid line; the summary covers the scored ones (None when there are none:
    lines with only ``id`` and ``question`` are answered and left unscored)."""
    from eval.metrics import summarise
    from eval.runner import run_questions

    records, qs, problems = run_questions(answerer, questions, out, desc=config)
    if not qs:
        raise UnusableInput(f"{questions}: không có câu hỏi hợp lệ nào")
    pairs = [(r, q) for r, q in zip(records, qs, strict=True) if q.scored]
    unscored = len(qs) - len(pairs)
    if unscored:
        print(f"{unscored} câu hỏi chỉ có id và question: đã trả lời, không chấm điểm.", file=sys.stderr)
    if not pairs:
        return None, problems
    return summarise([r for r, _ in pairs], [q for _, q in pairs]), problems


def _scored(summary: dict[str, Any] | None, questions: Path) -> dict[str, Any]:
    if summary is None:
        raise UnusableInput(f"{questions}: không có câu hỏi nào có tiêu chí chấm (category, must_contain, …)")
    return summary


def _settings() -> Settings:
    from baocao.settings import load_settings

    return load_settings()


def _use_llm(args: argparse.Namespace) -> bool | None:
    return False if args.no_llm else None


def cmd_run(args: argparse.Namespace) -> int:
    questions = Path(args.questions)
    _check_questions_file(questions)
    settings = _settings()
    index = open_index(settings)
    answerer = make_answerer(args.config, settings, index, _use_llm(args), args.reports)
    summary, problems = evaluate(answerer, questions, Path(args.out), args.config)
    if summary is None:
        print(f"answers: {args.out} (no scored question, no metrics)")
        return EXIT_OK
    print(console_summary(args.config, summary))
    md, _ = write_config_report(args.config, summary, str(questions), problems, Path(args.report_dir))
    print(f"report: {md}")
    if problems:
        print(f"{len(problems)} problem(s) with the input or while answering; see stderr and the report.")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    questions = Path(args.questions)
    _check_questions_file(questions)
    configs = _parse_configs(args.configs)
    settings = _settings()
    index = open_index(settings)
    report_dir = Path(args.report_dir)
    out_dir = Path(args.out_dir) if args.out_dir else report_dir / "runs"
    out_dir.mkdir(parents=True, exist_ok=True)
    ignore = out_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")  # run files are regenerated, not committed
    date = today()
    summaries: dict[str, dict[str, Any]] = {}
    runs: dict[str, str] = {}
    for config in configs:
        answerer = make_answerer(config, settings, index, _use_llm(args), args.reports)
        out = out_dir / f"{date}-{config}.jsonl"
        found, problems = evaluate(answerer, questions, out, config)
        summary = _scored(found, questions)
        summaries[config] = summary
        runs[config] = str(out)
        write_config_report(config, summary, str(questions), problems, report_dir, date)
        print(console_summary(config, summary))
    md, chart = write_compare_report(summaries, str(questions), report_dir, date, runs)
    print(f"report: {md}\nchart: {chart}\nlatest: {report_dir / 'LATEST.md'}")
    return EXIT_OK


def cmd_gate(args: argparse.Namespace) -> int:
    from eval.metrics import THRESHOLDS, gate_failures

    questions = Path(args.questions)
    _check_questions_file(questions)
    settings = _settings()
    index = open_index(settings)
    answerer = make_answerer("hybrid", settings, index, _use_llm(args), args.reports)
    out = Path(args.out) if args.out else Path(args.report_dir) / "runs" / f"{today()}-gate-hybrid.jsonl"
    found, _ = evaluate(answerer, questions, out, "gate")
    summary = _scored(found, questions)
    print(console_summary("hybrid", summary))
    failed = gate_failures(summary)
    if failed:
        print("\nGATE FAILED:")
        print("\n".join(f"  - {f}" for f in failed))
        print("\nWorst questions:")
        print("\n".join(failures_section(summary)))
        return EXIT_FAILED
    print("\ngate passed: " + ", ".join(f"{k} {op} {v:.2f}" for k, (op, v) in THRESHOLDS.items()))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from eval.validate import main as validate_main

    return int(validate_main([args.file, *args.rest]) or 0)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m eval", description="Đánh giá Trợ lý Báo cáo trên bộ câu hỏi")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--questions", required=True, help="eval questions (JSONL)")
        p.add_argument(
            "--report-dir", default=str(REPORTS_DIR), help="where reports go (default: eval/reports)"
        )
        p.add_argument(
            "--no-llm", action="store_true", help="grounded extractive answers even if an LLM is set"
        )
        p.add_argument(
            "--reports",
            nargs="+",
            type=Path,
            default=[REPO_ROOT / "data" / "reports"],
            help="raw report files/folders for the naive baseline (default: data/reports)",
        )

    run = sub.add_parser("run", help="answer a question file and print the metrics")
    common(run)
    run.add_argument("--out", required=True, help="answer records (JSONL) to write")
    run.add_argument("--config", choices=CONFIGS, default="hybrid")
    run.set_defaults(func=cmd_run)

    cmp_ = sub.add_parser("compare", help="every configuration side by side (make eval)")
    common(cmp_)
    cmp_.add_argument("--out-dir", help="where per-config answer files go (default: eval/reports/runs)")
    cmp_.add_argument(
        "--configs", default=",".join(CONFIGS), help=f"comma-separated, from {','.join(CONFIGS)}"
    )
    cmp_.set_defaults(func=cmd_compare)

    gate = sub.add_parser("gate", help="fail (exit 1) when the hybrid assistant misses a threshold")
    common(gate)
    gate.add_argument(
        "--out", help="answer records (JSONL); default eval/reports/runs/<date>-gate-hybrid.jsonl"
    )
    gate.set_defaults(func=cmd_gate)

    val = sub.add_parser("validate", help="check a question file against the cleaned reports")
    val.add_argument("file")
    val.add_argument("rest", nargs=argparse.REMAINDER, help="further options for the validator")
    val.set_defaults(func=cmd_validate)

    for name, (_module, text) in SUBPROGRAMS.items():
        sp = sub.add_parser(name, help=text)
        sp.add_argument("rest", nargs=argparse.REMAINDER, help=f"options of eval.{_module}")
        sp.set_defaults(func=lambda a, n=name: run_subprogram(n, list(a.rest)))
    return ap


# subcommands with their own option parsers: module of eval, help
SUBPROGRAMS = {
    "heldout": ("heldout", "answer the held-out sets (never tuned on) and write their reports"),
    "fit": ("fit_ranker", "fit the answer ranker on the train split (assistant/data/ranker.json)"),
    "fit-embedding": ("fit_embedding", "write the embedding model's tuning pairs from the train split"),
    "compare-check": ("compare_check", "check comparisons ward by ward (each ward's own figure)"),
}


def run_subprogram(name: str, rest: list[str]) -> int:
    import importlib

    module = importlib.import_module(f"eval.{SUBPROGRAMS[name][0]}")
    return int(module.main(rest))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBPROGRAMS:  # their own options (argparse REMAINDER drops "--x")
        return run_subprogram(argv[0], argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except UnusableInput as exc:
        _err(str(exc))
        return EXIT_UNUSABLE
    except Exception as exc:  # domain errors (model, Chroma) → one clear sentence
        from vectorstore.chroma_store import ChromaUnavailable, EmbeddingModelMismatch
        from vectorstore.embeddings import EmbeddingModelError

        if isinstance(exc, ChromaUnavailable | EmbeddingModelMismatch | EmbeddingModelError):
            _err(str(exc))
            return EXIT_UNUSABLE
        raise
