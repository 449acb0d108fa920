"""``python -m assistant ask "QUESTION" [--history-file F] [--json]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant import indicators_cli
from assistant.retrieval import MODES
from assistant.service import INVALID_NOTE, Assistant
from baocao.settings import load_settings


def _read_history(path: str | None) -> list[str]:
    if not path:
        return []
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"Không đọc được tệp lịch sử {path}: {exc}") from exc
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        raise SystemExit(f"Tệp lịch sử {path} phải là một danh sách JSON các câu hỏi (chuỗi).")
    return data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m assistant", description="Hỏi đáp báo cáo KT-XH có trích dẫn")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ask = sub.add_parser("ask", help="trả lời một câu hỏi")
    ask.add_argument("question")
    ask.add_argument("--history-file", help="JSON list of earlier user questions (oldest first)")
    ask.add_argument("--json", action="store_true", help="print one answer record (JSON)")
    ask.add_argument("--mode", choices=MODES, default="hybrid")
    ask.add_argument("--no-llm", action="store_true", help="grounded extractive answer even if an LLM is set")
    indicators_cli.add_parser(sub)
    args = ap.parse_args(argv)
    if args.cmd == "indicators":
        return indicators_cli.run(args)
    history = _read_history(args.history_file)
    # undecodable bytes in argv arrive as lone surrogates: replace them, never crash
    question = args.question.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    settings = load_settings()
    try:
        assistant = Assistant(settings, retrieval_mode=args.mode, use_llm=False if args.no_llm else None)
        if args.mode != "lexical":
            assistant.index.embedder  # noqa: B018 - load the model first: latency_ms is the answer's own
        rec = assistant.ask(question, history)
    except Exception as exc:  # store unavailable, model mismatch, …: one clear line
        print(f"LỖI: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(rec.contract_dict(), ensure_ascii=False))
    else:
        print(rec.answer)
        for c in rec.citations:
            print(f"\n[{c.n}] {c.ward} — {c.document}\n    {c.section}\n    {c.source}")
    return 2 if INVALID_NOTE in rec.notes else 0


if __name__ == "__main__":
    sys.exit(main())
