"""Command line: ``python -m ingest {inspect,add,list,remove}``.

* ``inspect FILE [--json] [--ward NAME]`` — parse only, print metadata and chunks.
* ``add PATH... [--ward NAME]`` — parse and index files/folders (recursive).
* ``list [--json]`` — documents in the index.
* ``remove DOC_ID_OR_SOURCE`` — drop a document from the index.

Errors from parsing print one Vietnamese line on stderr; ``inspect`` then exits with 2,
``add`` goes on with the next file and exits with 1 when any file failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.errors import IngestError, UnsupportedFormat
from ingest.loaders import SUPPORTED_EXTENSIONS

if TYPE_CHECKING:
    from baocao.settings import Settings
    from ingest.models import ParsedDocument

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ingest", description="Nạp báo cáo KT-XH phường/xã.")
    sub = p.add_subparsers(dest="command", required=True)
    ins = sub.add_parser("inspect", help="đọc và tách đoạn một tệp, không ghi vào chỉ mục")
    ins.add_argument("file", type=Path)
    ins.add_argument("--json", action="store_true", help="in JSON (metadata + chunks)")
    ins.add_argument("--ward", help='tên phường/xã, ví dụ "phường Ngô Quyền" hoặc "xã Đức Giang"')
    add = sub.add_parser("add", help="nạp tệp hoặc thư mục vào chỉ mục")
    add.add_argument("paths", nargs="+", type=Path)
    add.add_argument("--ward", help="tên phường/xã cho mọi tệp được nạp")
    add.add_argument("--if-empty", action="store_true", help="chỉ nạp khi chỉ mục chưa có báo cáo nào")
    lst = sub.add_parser("list", help="liệt kê tài liệu trong chỉ mục")
    lst.add_argument("--json", action="store_true")
    rm = sub.add_parser("remove", help="xóa một tài liệu khỏi chỉ mục")
    rm.add_argument("key", help="doc_id hoặc tên tệp nguồn")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from baocao.settings import load_settings

    settings = load_settings()
    if args.command == "inspect":
        return cmd_inspect(args.file, settings, args.ward, as_json=args.json)
    if args.command == "add":
        if args.if_empty and index_has_documents(settings):
            print("Chỉ mục đã có báo cáo; không nạp lại.", file=sys.stderr)
            return EXIT_OK
        return cmd_add(args.paths, settings, args.ward)
    if args.command == "list":
        return cmd_list(settings, as_json=args.json)
    if args.command == "remove":
        return cmd_remove(settings, args.key)
    return EXIT_INPUT  # pragma: no cover - argparse enforces the choices


def index_has_documents(settings: Settings) -> bool:
    from vectorstore.index import Index

    index = Index(settings)
    try:
        return bool(index.documents(fresh=True))
    finally:
        index.close()


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def doc_to_json(doc: ParsedDocument) -> dict[str, Any]:
    return {
        "metadata": doc.metadata.model_dump(),
        "chunks": [
            {
                "id": c.id,
                "heading_path": c.heading_path,
                "text": c.text,
                "page": c.page,
                "position": c.position,
                "embed_text": c.embed_text,
            }
            for c in doc.chunks
        ],
    }


def cmd_inspect(path: Path, settings: Settings, ward: str | None, as_json: bool) -> int:
    from ingest.pipeline import parse_file

    if not path.is_file():
        _err(f"Không tìm thấy tệp {path}.")
        return EXIT_INPUT
    try:
        doc = parse_file(path, settings, ward=ward)
    except IngestError as e:
        _err(e.message_vi)
        return EXIT_INPUT
    if as_json:
        json.dump(doc_to_json(doc), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    m = doc.metadata
    print(f"{m.ward_full} · {m.label}")
    print(f"Tiêu đề: {m.title}")
    print(f"Người ký: {m.signer or '—'} · Năm: {', '.join(map(str, m.years)) or '—'} · doc_id: {m.doc_id}")
    print(f"{len(doc.chunks)} đoạn:")
    for c in doc.chunks:
        page = f" (trang {c.page})" if c.page is not None else ""
        print(f"\n[{c.position}] {' > '.join(c.heading_path) or '(mở đầu)'}{page}")
        print(c.text)
    return EXIT_OK


def iter_inputs(paths: Sequence[Path]) -> Iterator[tuple[Path, IngestError | None]]:
    """Files to add: folders recursively (supported extensions only, others skipped silently);
    an explicitly named unsupported or missing file yields an error."""
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUPPORTED_EXTENSIONS and not f.name.startswith("~$"):
                    yield f, None
        elif p.is_file():
            if p.suffix.lower() in SUPPORTED_EXTENSIONS:
                yield p, None
            else:
                yield p, UnsupportedFormat(p.name, SUPPORTED_EXTENSIONS)
        else:
            yield p, IngestError(f"Không tìm thấy tệp hoặc thư mục {p}.", source=str(p))


def cmd_add(paths: Sequence[Path], settings: Settings, ward: str | None) -> int:
    from tqdm import tqdm

    from ingest.pipeline import parse_file

    items = list(iter_inputs(paths))
    if not items:
        _err("Không có tệp nào để nạp (chỉ nhận: " + ", ".join(SUPPORTED_EXTENSIONS) + ").")
        return EXIT_FAILED
    failed = 0
    index = None
    try:
        for path, pre_err in tqdm(items, desc="Nạp", unit="tệp", file=sys.stderr, disable=len(items) < 2):
            try:
                if pre_err is not None:
                    raise pre_err
                doc = parse_file(path, settings, ward=ward)
                if index is None:
                    index = _open_index(settings)
                res = index.add_document(doc)
                label = {"added": "ĐÃ NẠP", "unchanged": "KHÔNG ĐỔI", "replaced": "ĐÃ THAY"}.get(
                    res.status, res.status
                )
                tqdm.write(f"{label} {path.name}: {res.chunks} đoạn (doc_id {res.doc_id})", file=sys.stdout)
            except IngestError as e:
                failed += 1
                tqdm.write(f"LỖI {path.name}: {e.message_vi}", file=sys.stdout)
            except Exception as e:  # the store may fail on one file; keep going with the others
                failed += 1
                tqdm.write(
                    f"LỖI {path.name}: lỗi khi ghi vào chỉ mục ({type(e).__name__}: {e})", file=sys.stdout
                )
    finally:
        if index is not None:
            index.close()
    return EXIT_OK if failed == 0 else EXIT_FAILED


def _open_index(settings: Settings) -> Any:
    from vectorstore.index import Index

    return Index(settings)


def cmd_list(settings: Settings, as_json: bool) -> int:
    index = _open_index(settings)
    try:
        docs = index.list_documents()
    finally:
        index.close()
    if as_json:
        json.dump([d.model_dump() for d in docs], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if not docs:
        print("Chỉ mục chưa có tài liệu nào.")
    for d in docs:
        print(f"{d.doc_id}  {d.ward_full} · {d.label} · {d.source}")
    return EXIT_OK


def cmd_remove(settings: Settings, key: str) -> int:
    index = _open_index(settings)
    try:
        removed = index.remove_document(key)
    finally:
        index.close()
    if removed is None:
        _err(f"Không tìm thấy tài liệu {key} trong chỉ mục.")
        return EXIT_FAILED
    print(f"Đã xóa {removed.source} ({removed.doc_id}).")
    return EXIT_OK
