"""Document library: what the index holds; admin-only upload and removal."""

from __future__ import annotations

import logging
import math
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from assistant.service import Assistant
from baocao.settings import Settings
from ingest.models import DocumentMeta
from ui import state
from ui.chat import EMPTY_INDEX_HELP
from ui.citations import format_date
from ui.render import plain_markdown

log = logging.getLogger(__name__)

UPLOAD_TYPES = ["pdf", "docx", "txt", "md"]
STATUS_VI = {"added": "Đã thêm", "unchanged": "Không đổi", "replaced": "Đã thay thế"}


@dataclass
class FileResult:
    name: str
    status: str  # Đã thêm | Không đổi | Đã thay thế | Lỗi: …
    ok: bool
    detail: str = ""


def documents_frame(assistant: Assistant, docs: list[DocumentMeta]) -> pd.DataFrame:
    rows = []
    for d in docs:
        try:
            chunks: Any = assistant.index.chunk_count(d.doc_id)
        except Exception:
            chunks = None
        rows.append(
            {
                "Phường/xã": d.ward_full,
                "Loại": d.doc_type,
                "Số": d.doc_number or "—",
                "Ngày": format_date(d.date) if d.date else "—",
                "Số đoạn": chunks,
                "Năm": ", ".join(map(str, d.years)),
                "Tiêu đề": d.title,
                "Nạp lúc": d.ingested_at.replace("T", " ").replace("+00:00", " UTC") if d.ingested_at else "",
                "Tệp": d.source,
            }
        )
    return pd.DataFrame(rows)


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name.strip()
    base = re.sub(r"[\x00-\x1f]", "", base)
    return base or "tep-tai-len.txt"


def ingest_upload(
    assistant: Assistant, settings: Settings, name: str, data: bytes, ward: str | None
) -> FileResult:
    """Parse one uploaded file and add it to the index (nothing changes on error)."""
    from ingest.errors import FileTooLarge, IngestError, NoWardFound

    name = _safe_name(name)
    size_mb = len(data) / (1024 * 1024)
    if size_mb > settings.max_file_mb:
        return FileResult(name, "Lỗi: " + FileTooLarge(name, size_mb, settings.max_file_mb).message_vi, False)
    try:
        from ingest.pipeline import parse_file

        with tempfile.TemporaryDirectory(prefix="baocao-upload-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            parsed = parse_file(path, settings, ward=ward or None)
        result = assistant.index.add_document(parsed)
    except NoWardFound:
        return FileResult(
            name,
            f"Lỗi: không nhận ra tên phường/xã trong {name}. Hãy nhập ô “Tên phường/xã” rồi tải lên lại.",
            False,
        )
    except IngestError as exc:
        return FileResult(name, "Lỗi: " + exc.message_vi, False)
    except ImportError:
        log.exception("ingest pipeline unavailable")
        return FileResult(name, "Lỗi: chức năng nạp tệp chưa sẵn sàng trên máy chủ.", False)
    except Exception as exc:
        log.exception("upload of %s failed", name)
        return FileResult(name, f"Lỗi: không nạp được tệp {name} ({type(exc).__name__}).", False)
    status = STATUS_VI.get(result.status, result.status)
    meta = parsed.metadata
    return FileResult(name, status, True, f"{meta.ward_full} — {meta.label} ({result.chunks} đoạn)")


def _remove(doc_id: str) -> None:
    """Button callback: remove a document (runs before the script reruns)."""
    if not state.is_admin(state.get_settings()):
        return
    if not st.session_state.get("rm_confirm"):
        st.session_state["rm_message"] = ("warning", "Hãy đánh dấu ô xác nhận trước khi xoá.")
        return
    assistant = state.current_assistant()
    try:
        removed = assistant.index.remove_document(doc_id)
    except Exception:
        log.exception("remove failed")
        st.session_state["rm_message"] = ("error", "Không xoá được báo cáo; chỉ mục không thay đổi.")
        return
    st.session_state["rm_confirm"] = False
    if removed is None:
        st.session_state["rm_message"] = ("warning", "Báo cáo không còn trong chỉ mục.")
    else:
        st.session_state["rm_message"] = (
            "success",
            f"Đã xoá: {removed.ward_full} — {removed.label} ({removed.source}).",
        )


def remove_section(assistant: Assistant, docs: list[DocumentMeta]) -> None:
    st.subheader("Xoá báo cáo")
    msg = st.session_state.pop("rm_message", None)
    if msg:
        kind, text = msg
        getattr(st, kind)(plain_markdown(text))
    if not docs:
        st.caption("Không có báo cáo nào để xoá.")
        return
    by_id = {d.doc_id: d for d in docs}
    doc_id = st.selectbox(
        "Báo cáo cần xoá",
        list(by_id),
        key="rm_doc",
        format_func=lambda i: f"{by_id[i].ward_full} — {by_id[i].label} ({by_id[i].source})",
    )
    st.checkbox("Tôi xác nhận xoá báo cáo này khỏi chỉ mục (không hoàn tác được)", key="rm_confirm")
    st.button(
        "Xoá báo cáo",
        type="secondary",
        key="rm_go",
        on_click=_remove,
        args=(doc_id,),
        icon=":material/delete:",
    )


def upload_section(assistant: Assistant, settings: Settings) -> None:
    st.subheader("Nạp báo cáo mới")
    results: list[FileResult] | None = st.session_state.pop("upload_results", None)
    if results:
        for r in results:
            line = f"{r.name}: {r.status}" + (f" — {r.detail}" if r.detail else "")
            (st.success if r.ok else st.error)(plain_markdown(line))
    n = int(st.session_state.get("uploader_n", 0))
    ward = st.text_input(
        "Tên phường/xã (cho tệp không ghi rõ địa bàn)",
        key="up_ward",
        placeholder="ví dụ: phường Hội Phú",
    )
    files = st.file_uploader(
        f"Chọn tệp báo cáo (.pdf, .docx, .txt, .md; tối đa {settings.max_file_mb:g} MB mỗi tệp)",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=f"uploader-{n}",
        max_upload_size=max(1, math.ceil(settings.max_file_mb)),
    )
    if st.button("Nạp vào chỉ mục", type="primary", key="up_go", icon=":material/upload_file:"):
        if not files:
            st.warning("Hãy chọn ít nhất một tệp.")
            return
        bar = st.progress(0.0, text="Đang nạp…")
        out: list[FileResult] = []
        for i, f in enumerate(files):
            bar.progress(i / len(files), text=f"Đang nạp {_safe_name(f.name)} ({i + 1}/{len(files)})…")
            out.append(ingest_upload(assistant, settings, f.name, f.getvalue(), ward.strip() or None))
        if any(r.ok for r in out):
            try:
                assistant.index.refresh_lexical()
            except Exception:
                log.exception("lexical refresh failed")
        bar.progress(1.0, text="Xong.")
        st.session_state["upload_results"] = out
        st.session_state["uploader_n"] = n + 1
        st.rerun()


def library_page(assistant: Assistant, settings: Settings) -> None:
    st.title("Thư viện báo cáo")
    docs = assistant.index.list_documents()
    if not docs:
        st.info(EMPTY_INDEX_HELP)
    else:
        st.caption(f"{len(docs)} báo cáo trong chỉ mục.")
        st.dataframe(
            documents_frame(assistant, docs),
            hide_index=True,
            width="stretch",
            column_config={
                "Tiêu đề": st.column_config.TextColumn(width="medium"),
                "Số đoạn": st.column_config.NumberColumn(width="small"),
                "Năm": st.column_config.TextColumn(width="small"),
            },
        )
    if state.is_admin(settings):
        st.divider()
        upload_section(assistant, settings)
        st.divider()
        remove_section(assistant, docs)
