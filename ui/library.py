"""Document library: what the index holds; admin-only upload and removal."""

from __future__ import annotations

import logging
import math
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.service import Assistant
from baocao.settings import Settings
from ingest.models import DocumentMeta
from ui import state
from ui.chat import EMPTY_INDEX_HELP
from ui.format import format_date, format_datetime, pad_dates, readable_source
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


def document_card(assistant: Assistant, d: DocumentMeta) -> None:
    """One report as a card (readable on a phone: nothing is cut)."""
    with st.container(border=True):
        st.markdown("**" + plain_markdown(f"{d.ward_full} — {pad_dates(d.label)}") + "**")
        if d.title:
            st.markdown(plain_markdown(d.title))
        bits = []
        if d.doc_number:
            bits.append(f"Số: {d.doc_number}")
        if d.date:
            bits.append(f"Ngày ban hành: {format_date(d.date)}")
        if d.years:
            bits.append("Năm nói tới: " + ", ".join(map(str, d.years)))
        if d.ingested_at:
            bits.append(f"Nạp ngày {format_datetime(d.ingested_at)}")
        if readable_source(d.source):
            bits.append(f"Tệp: {d.source}")
        st.caption(plain_markdown(" · ".join(bits)))


def documents_rows(docs: list[DocumentMeta]) -> list[dict[str, Any]]:
    return [
        {
            "ward": d.ward_full,
            "label": d.label,
            "date": format_date(d.date) if d.date else "",
            "title": d.title,
        }
        for d in docs
    ]


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name.strip()
    base = re.sub(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", base)
    return base or "tep-tai-len.txt"


def ingest_upload(
    assistant: Assistant, settings: Settings, name: str, data: bytes, ward: str | None
) -> FileResult:
    """Parse one uploaded file and add it to the index (nothing changes on error)."""
    from ingest.errors import FileTooLarge, IngestError, NoWardFound, UnsupportedFormat
    from ingest.loaders import SUPPORTED_EXTENSIONS

    name = _safe_name(name)
    if Path(name).suffix.lower() not in SUPPORTED_EXTENSIONS:  # refused before the store is touched
        return FileResult(name, "Lỗi: " + UnsupportedFormat(name, SUPPORTED_EXTENSIONS).message_vi, False)
    size_mb = len(data) / (1024 * 1024)
    if size_mb > settings.max_file_mb:
        return FileResult(name, "Lỗi: " + FileTooLarge(name, size_mb, settings.max_file_mb).message_vi, False)
    try:
        from vectorstore.ingest_service import IngestService

        with tempfile.TemporaryDirectory(prefix="baocao-upload-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            parsed, result = IngestService(settings, assistant.index).add_file(path, ward or None)
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
    return FileResult(name, status, True, f"{meta.ward_full} — {meta.label}")


def _doc_name(d: DocumentMeta) -> str:
    return f"{d.ward_full} — {pad_dates(d.label)}"


def _remove(doc_id: str) -> None:
    """Confirm-button callback: remove the chosen report (admin only, after confirmation)."""
    st.session_state["rm_pending"] = None
    if not state.is_admin(state.get_settings()):
        return
    assistant = state.current_assistant()
    try:
        removed = assistant.index.remove_document(doc_id)
    except Exception:
        log.exception("remove failed")
        st.session_state["rm_message"] = ("error", "Không xoá được báo cáo; không có gì thay đổi.")
        return
    st.session_state["rm_n"] = int(st.session_state.get("rm_n", 0)) + 1  # a fresh, empty selector
    if removed is None:
        st.session_state["rm_message"] = ("warning", "Báo cáo này không còn trong kho.")
    else:
        try:
            assistant.index.refresh_lexical()
        except Exception:
            log.exception("lexical refresh failed")
        st.session_state["rm_message"] = ("success", f"Đã xoá: {_doc_name(removed)}.")


def _ask_confirmation(doc_id: str | None) -> None:
    st.session_state["rm_pending"] = doc_id


def _cancel() -> None:
    st.session_state["rm_pending"] = None


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
    by_name = {f"{_doc_name(d)} ({d.doc_id[:6]})": d.doc_id for d in docs}
    chosen = st.radio(
        "Chọn báo cáo cần xoá",
        list(by_name),
        index=None,
        key=f"rm_doc-{int(st.session_state.get('rm_n', 0))}",
    )
    doc_id = by_name.get(chosen) if chosen else None
    pending = st.session_state.get("rm_pending")
    if pending and pending in by_id and pending == doc_id:
        with st.container(border=True):
            st.warning(
                plain_markdown(f"Xoá hẳn báo cáo «{_doc_name(by_id[pending])}»? Không hoàn tác được."),
                icon=":material/warning:",
            )
            c1, c2 = st.columns(2)
            c1.button(
                "Xoá báo cáo này",
                type="primary",
                key="rm_confirm_go",
                on_click=_remove,
                args=(pending,),
                icon=":material/delete:",
            )
            c2.button("Huỷ", key="rm_cancel", on_click=_cancel)
        return
    st.button(
        "Xoá báo cáo…",
        type="secondary",
        key="rm_go",
        disabled=doc_id is None,
        on_click=_ask_confirmation,
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
    if st.button("Nạp báo cáo", type="primary", key="up_go", icon=":material/upload_file:"):
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
        st.caption(f"Đang có {len(docs)} báo cáo.")
        for d in docs:
            document_card(assistant, d)
    if state.is_admin(settings):
        st.divider()
        upload_section(assistant, settings)
        st.divider()
        remove_section(assistant, docs)
