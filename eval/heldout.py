"""Held-out evaluation: question sets the answerer was never tuned on, each over its own
reports, reported (never tuned on) with the risk–coverage table of the refusal threshold.

    python -m eval heldout [--sets paraphrase,paraphrase2,close,followup,newreports] [--report-dir eval/reports]

Sets (``eval/data/heldout/``), written blind to the code by a helper given only the
report texts:
- ``paraphrase`` … ``paraphrase6``: worded as people talk (at most one content word run shared
  with the answer; several writers; ``paraphrase2`` written after the ranker features were set,
  ``paraphrase5`` (80, at most two content syllables shared, checked by ``eval/blind_check.py``)
  at the start of the fourth session, before its changes; ``paraphrase6`` (100) at the end of the
  tenth, after every held-out number of that session had been read);
- ``close``: worded close to the report text, incl. comparisons;
- ``followup``: multi-turn (elliptical follow-ups and fresh questions after a history);
- ``newreports``: reports never seen while building (``eval/data/reports/``, wards from
  its ``metadata.jsonl``);
- ``newreports2`` (close to the text) and ``newreports2_talk`` (worded as people talk, checked by
  ``eval/blind_check.py``): six more reports (``eval/data/reports2/``), found, asked about and
  their figures labelled by three helpers in session 13, before that session's changes;
- ``close_pdf``, ``newreports_pdf``, ``newreports2_pdf``: the questions of ``close``, ``newreports``
  and ``newreports2`` over the same
  reports printed as Word-like PDFs (``eval/data/reports_pdf/``, made by ``eval.render_pdf``):
  what they lose against their text sets is what the PDF path loses.

Each set is answered once with the refusal threshold at 0 (every candidate answered, with
its probability as ``confidence``); the metrics at the shipped threshold and at every
other threshold are then computed from the same records, so the curve is exact.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.ranker import load_ranker
from assistant.types import AnswerRecord
from baocao.settings import REPO_ROOT, Settings
from eval.metrics import answer_correct, summarise
from eval.runner import index_settings
from eval.splits import HELDOUT_DIR, HELDOUT_SETS, NEW_REPORTS2, PDF_SUFFIX

SAMPLE_REPORTS = REPO_ROOT / "data" / "reports"
NEW_REPORTS = REPO_ROOT / "eval" / "data" / "reports"
PDF_REPORTS = REPO_ROOT / "eval" / "data" / "reports_pdf"  # samples/, new/, new2/: eval.render_pdf
REPORT_DIRS = {"samples": SAMPLE_REPORTS, "new": NEW_REPORTS, "new2": NEW_REPORTS2}
# the reports each set asks about (by its name without the PDF suffix); the rest: the samples
REPORTS_OF = {"newreports": "new", "newreports2": "new2", "newreports2_talk": "new2"}
SETS = HELDOUT_SETS
REFUSED_TEXT = "Các báo cáo hiện có không nêu thông tin này."


@dataclass(frozen=True)
class HeldoutSet:
    name: str
    questions: Path
    reports: Path

    def wards(self) -> dict[str, str]:
        return report_wards(self.reports)


def report_wards(reports: Path) -> dict[str, str]:
    """File name -> ward, for reports whose text does not name it (their folder's metadata.jsonl)."""
    meta = reports / "metadata.jsonl"
    if not meta.is_file():
        return {}
    rows = [json.loads(line) for line in meta.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["file"]: r["area"] for r in rows}


def heldout_set(name: str) -> HeldoutSet:
    base = name.removesuffix(PDF_SUFFIX)
    kind = REPORTS_OF.get(base, "samples")
    reports = PDF_REPORTS / kind if base != name else REPORT_DIRS[kind]
    return HeldoutSet(name, HELDOUT_DIR / f"{base}.jsonl", reports)


def index_dir(hs: HeldoutSet, work: Path) -> Path:
    """One index per set of reports (the sample reports' serves every set over them)."""
    kind = REPORTS_OF.get(hs.name.removesuffix(PDF_SUFFIX), "samples")
    return work / (f"index-pdf-{kind}" if hs.name.endswith(PDF_SUFFIX) else f"index-{kind}")


def build_index(hs: HeldoutSet, data_dir: Path) -> tuple[Settings, Any]:
    from ingest.pipeline import parse_file
    from vectorstore.index import Index

    settings = index_settings(data_dir)
    index = Index(settings)
    wards = hs.wards()
    for path in sorted(p for p in hs.reports.iterdir() if p.suffix in (".txt", ".md", ".pdf", ".docx")):
        index.add_document(parse_file(path, settings, ward=wards.get(path.name)))
    index.refresh_lexical(force_save=True)
    return settings, index


def at_threshold(records: list[AnswerRecord], threshold: float) -> list[AnswerRecord]:
    """The records as the assistant would give them with ``threshold``: an answer whose
    confidence is below it becomes a refusal."""
    out = []
    for r in records:
        if not r.refused and r.mode == "grounded" and r.confidence < threshold:
            r = r.model_copy(update={"refused": True, "answer": REFUSED_TEXT, "citations": []})
        out.append(r)
    return out


def risk_coverage(records: list[AnswerRecord], questions: list[Any]) -> list[dict[str, float]]:
    rows = []
    n = max(1, len(records))
    for t in [round(0.05 * i, 2) for i in range(0, 20)]:
        recs = at_threshold(records, t)
        answered = [(r, q) for r, q in zip(recs, questions, strict=True) if not r.refused]
        wrong = sum(1 for r, q in answered if not answer_correct(r, q))
        false_ref = sum(1 for r, q in zip(recs, questions, strict=True) if r.refused and q.answerable)
        acc = sum(1 for r, q in zip(recs, questions, strict=True) if answer_correct(r, q)) / n
        rows.append(
            {
                "threshold": t,
                "accuracy": acc,
                "answered": len(answered) / n,
                "wrong": wrong / n,
                "false_refusal": false_ref / n,
            }
        )
    return rows


def run_set(name: str, work: Path) -> dict[str, Any]:
    from assistant.service import Assistant
    from eval.runner import run_questions

    hs = heldout_set(name)
    settings, index = build_index(hs, index_dir(hs, work))
    asst = Assistant(settings, index=index, use_llm=False)
    asst.answer_threshold = 0.0
    records, questions, problems = run_questions(asst, hs.questions, work / f"{name}.jsonl", desc=name)
    shipped = load_ranker().threshold
    summary = summarise(at_threshold(records, shipped), questions)
    summary["risk_coverage"] = risk_coverage(records, questions)
    summary["threshold"] = shipped
    summary["problems"] = problems
    index.close()
    return summary


def markdown(name: str, s: dict[str, Any]) -> str:
    o = s["overall"]
    keys = ("accuracy_all", "accuracy", "false_refusal_rate", "refusal_recall", "citation_precision", "hit@5")
    lines = [f"# Held-out set `{name}` ({o.get('questions', '?')} questions, threshold {s['threshold']})", ""]
    lines.append("| " + " | ".join(keys) + " |")
    lines.append("|" + "---|" * len(keys))
    lines.append("| " + " | ".join("n/a" if o.get(k) is None else f"{o[k]:.3f}" for k in keys) + " |")
    lines += ["", "## By category", "", "| category | n | accuracy |", "|---|---|---|"]
    for cat, b in sorted(s.get("by_category", {}).items()):
        acc = b.get("accuracy_category")
        lines.append(f"| {cat} | {b.get('questions', '?')} | {'n/a' if acc is None else f'{acc:.3f}'} |")
    lines += [
        "",
        "## Risk–coverage (refusal threshold)",
        "",
        "| threshold | accuracy | answered | wrong answers | false refusals |",
        "|---|---|---|---|---|",
    ]
    for r in s["risk_coverage"]:
        lines.append(
            f"| {r['threshold']:.2f} | {r['accuracy']:.3f} | {r['answered']:.3f} | "
            f"{r['wrong']:.3f} | {r['false_refusal']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval heldout", description="held-out question sets")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--report-dir", type=Path, default=REPO_ROOT / "eval" / "reports")
    ap.add_argument("--work", type=Path, default=REPO_ROOT / ".data" / "heldout")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.sets.split(",") if n.strip()]
    bad = [n for n in names if n not in SETS]
    if bad:
        print(f"Bộ câu hỏi không có: {', '.join(bad)}; chọn trong: {', '.join(SETS)}", file=sys.stderr)
        return 2
    args.report_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        s = run_set(name, args.work)
        (args.report_dir / f"heldout-{name}.md").write_text(markdown(name, s), encoding="utf-8")
        o = s["overall"]
        print(
            f"{name}: accuracy(all) {o['accuracy_all']:.3f}, answerable {o['accuracy'] or 0:.3f}, false refusals {o['false_refusal_rate']:.3f}, "
            f"refusal recall {o.get('refusal_recall') or 0:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
