"""Command line: ``python -m ingest {inspect,add,list,remove}``.

* ``inspect FILE [--json] [--ward NAME]`` — parse only, print metadata and chunks.
* ``add PATH... [--ward NAME]`` — parse and index files/folders (recursive).
* ``list [--json]`` — documents in the index.
* ``remove DOC_ID_OR_SOURCE`` — drop a document from the index.

Errors print one Vietnamese line on stderr, names and messages on one line with control
characters escaped (``baocao.safe_text.one_line``). Exit codes (``ingest.errors``): ``inspect``
exits with 2 on a refused file; ``add`` goes on with the next file, prints a summary and exits
with 1 when any file was refused; 2 for bad arguments or nothing to add.

``add`` never follows a symlink, never reads a device, FIFO or socket and never leaves the
folder it was given (``ingest.files``); each such entry is reported on its own line.
``--ward`` names the area of files that name none; a file of a folder whose letterhead names
another area is reported, not relabelled; a file named explicitly takes ``--ward`` as given.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from baocao.safe_text import one_line
from ingest.errors import EXIT_FAILED, EXIT_INPUT, EXIT_OK, IngestError, NotARegularFile, UnsupportedFormat
from ingest.files import SYMLINK, walk_folder
from ingest.loaders import SUPPORTED_EXTENSIONS

if TYPE_CHECKING:
    from baocao.settings import Settings
    from ingest.models import ParsedDocument

STATUS_LABELS = {"added": "ĐÃ NẠP", "unchanged": "KHÔNG ĐỔI", "replaced": "ĐÃ THAY"}

# The store the index-writing commands (add, list, remove) use. ``ingest`` never imports the
# vector store: the entry point (``vectorstore.ingest_service.main``) hands it in.
STORE_FACTORY: Callable[[Settings], Any] | None = None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ingest", description="Nạp báo cáo KT-XH phường/xã.")
    sub = p.add_subparsers(dest="command", required=True)
    ins = sub.add_parser("inspect", help="đọc và tách đoạn một tệp, không ghi vào chỉ mục")
    ins.add_argument("file", type=Path)
    ins.add_argument("--json", action="store_true", help="in JSON (metadata + chunks)")
    ins.add_argument("--ward", help='tên phường/xã, ví dụ "phường Ngô Quyền" hoặc "xã Đức Giang"')
    add = sub.add_parser("add", help="nạp tệp hoặc thư mục vào chỉ mục")
    add.add_argument("paths", nargs="+", type=Path)
    add.add_argument(
        "--ward",
        help="tên phường/xã cho các tệp không ghi tên địa bàn (tệp ghi tên nơi khác bị báo, không gán lại)",
    )
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
    index = _open_index(settings)
    try:
        return bool(index.documents(fresh=True))
    finally:
        index.close()


def _err(msg: str) -> None:
    print(one_line(msg), file=sys.stderr, flush=True)


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

    if not path.exists() and not path.is_symlink():
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
    print(one_line(f"{m.ward_full} · {m.label}"))
    print(one_line(f"Tiêu đề: {m.title}"))
    years = ", ".join(map(str, m.years)) or "—"
    print(one_line(f"Người ký: {m.signer or '—'} · Năm: {years} · doc_id: {m.doc_id}"))
    print(f"{len(doc.chunks)} đoạn:")
    for c in doc.chunks:
        page = f" (trang {c.page})" if c.page is not None else ""
        print("\n" + one_line(f"[{c.position}] {' > '.join(c.heading_path) or '(mở đầu)'}{page}"))
        print("\n".join(one_line(ln) for ln in c.text.split("\n")))
    return EXIT_OK


class Input(NamedTuple):
    path: Path
    error: IngestError | None  # refused before reading (link, special file, missing, format)
    in_folder: bool  # found by walking a folder given on the command line


def iter_inputs(paths: Sequence[Path]) -> Iterator[Input]:
    """Files to add: folders walked without following links (supported extensions only,
    others skipped silently); links, special files, missing or unsupported files named
    explicitly yield an error."""
    for p in paths:
        if p.is_symlink():
            yield Input(p, NotARegularFile(str(p), SYMLINK), False)
        elif p.is_dir():
            for f, err in walk_folder(p, SUPPORTED_EXTENSIONS):
                yield Input(f, err, True)
        elif p.exists():
            if p.suffix.lower() not in SUPPORTED_EXTENSIONS:
                yield Input(p, UnsupportedFormat(p.name, SUPPORTED_EXTENSIONS), False)
            else:  # a FIFO or device named explicitly is refused when opened (ingest.files)
                yield Input(p, None, False)
        else:
            yield Input(p, IngestError(f"Không tìm thấy tệp hoặc thư mục {p}.", source=str(p)), False)


@dataclass
class AddSummary:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    ocr: int = 0
    refused: Counter[str] = field(default_factory=Counter)  # short reason -> files

    def line(self) -> str:
        """One line of counts; each refused file already has its own line, so no names here."""
        n = sum(self.refused.values())
        why = ", ".join(f"{reason}: {k}" for reason, k in self.refused.most_common())
        return (
            f"Tổng kết: {self.added} tệp đã nạp, {self.replaced} tệp đã thay, "
            f"{self.unchanged} tệp không đổi, {self.ocr} tệp nhận dạng chữ (OCR), "
            f"{n} tệp bị từ chối" + (f" ({why})." if n else ".")
        )


REASONS = {
    "EmptyFile": "rỗng",
    "UnsupportedFormat": "định dạng không hỗ trợ",
    "FileTooLarge": "quá lớn",
    "LimitExceeded": "vượt giới hạn đọc",
    "NotARegularFile": "liên kết hoặc tệp đặc biệt",
    "WardConflict": "ghi tên địa bàn khác --ward",
    "NoWardFound": "không rõ phường/xã",
    "UndecodableText": "không giải mã được",
    "CorruptPdf": "tệp hỏng",
    "CorruptDocx": "tệp hỏng",
    "EncryptedPdf": "có mật khẩu",
    "ScannedPdf": "bản quét",
    "NotAReport": "không phải báo cáo",
}


def reason_of(err: BaseException) -> str:
    return REASONS.get(type(err).__name__, "lỗi khác")


def _used_ocr(doc: ParsedDocument) -> bool:
    """Whether some pages had to be recognised (scans, ``DocumentMeta.ocr_pages``)."""
    return doc.metadata.ocr_pages > 0


def cmd_add(paths: Sequence[Path], settings: Settings, ward: str | None) -> int:
    from ingest.pipeline import parse_file

    items = list(iter_inputs(paths))
    if not items:
        _err("Không có tệp nào để nạp (chỉ nhận: " + ", ".join(SUPPORTED_EXTENSIONS) + ").")
        return EXIT_INPUT
    summary = AddSummary()
    index = None
    try:
        for path, pre_err, in_folder in items:
            name = one_line(path.name)
            try:
                if pre_err is not None:
                    raise pre_err
                doc = parse_file(
                    path, settings, ward=ward, ward_policy="default" if in_folder else "override"
                )
                if index is None:
                    index = _open_index(settings)
                res = index.add_document(doc)
                setattr(summary, res.status, getattr(summary, res.status, 0) + 1)
                ocr = _used_ocr(doc)
                summary.ocr += ocr
                extra = " · OCR" if ocr else ""
                label = STATUS_LABELS.get(res.status, res.status)
                print(one_line(f"{label} {name}: {res.chunks} đoạn (doc_id {res.doc_id}){extra}"), flush=True)
            except IngestError as e:
                summary.refused[reason_of(e)] += 1
                _err(f"LỖI {name}: {e.message_vi}")
            except Exception as e:  # the store may fail on one file; keep going with the others
                reason = f"lỗi khi ghi vào chỉ mục ({type(e).__name__}: {e})"
                summary.refused["lỗi khi ghi vào chỉ mục"] += 1
                _err(f"LỖI {name}: {reason}")
    finally:
        if index is not None:
            index.close()
    _err(summary.line())
    return EXIT_OK if not summary.refused else EXIT_FAILED


def _open_index(settings: Settings) -> Any:
    if STORE_FACTORY is None:
        raise RuntimeError("no index store: run `python -m ingest` (vectorstore.ingest_service.main)")
    return STORE_FACTORY(settings)


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
        print(one_line(f"{d.doc_id}  {d.ward_full} · {d.label} · {d.source}"))
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
    print(one_line(f"Đã xóa {removed.source} ({removed.doc_id})."))
    return EXIT_OK
