"""``python -m assistant indicators [--ward W] [--year Y] [--indicator TEXT] [--json]``."""

from __future__ import annotations

import argparse
import json
import sys

from assistant.indicators import UnknownWard, contract_dict, records
from baocao.settings import load_settings
from vectorstore.index import Index


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("indicators", help="liệt kê số liệu chỉ tiêu trích từ các báo cáo")
    p.add_argument("--ward", help='phường/xã, ví dụ "Ngô Quyền" hoặc "phường Xương Giang"')
    p.add_argument("--year", type=int, help="năm, ví dụ 2023")
    p.add_argument("--indicator", help='tên chỉ tiêu hoặc một phần tên, ví dụ "hộ nghèo"')
    p.add_argument("--json", action="store_true", help="in danh sách bản ghi JSON")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        index = Index(settings)
        rows = records(index, ward=args.ward, year=args.year, indicator=args.indicator)
    except UnknownWard as exc:
        print(f"LỖI: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # store unavailable, …: one clear line
        print(f"LỖI: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([contract_dict(r) for r in rows], ensure_ascii=False))
        return 0
    if not rows:
        print("Không có số liệu nào khớp bộ lọc.")
        return 0
    for r in rows:
        year = r.year or "?"
        print(f"{r.ward} | {year} | {r.indicator} | {r.value_text} | {r.kind} | {r.document} — {r.section}")
    return 0
