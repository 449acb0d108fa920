"""The "Kiểm định" page: run a question set against the reports, see and download the scores."""

from __future__ import annotations

import io
import logging
import threading
from pathlib import Path

import pandas as pd
import streamlit as st

from assistant.service import Assistant
from baocao.settings import REPO_ROOT, Settings
from ui import state
from ui.eval_jobs import EvalJob, SheetError, read_sheet
from ui.eval_report import (
    CATEGORY_VI,
    category_frame,
    excel_bytes,
    markdown_report,
    miss_kind,
    overall_rows,
    pct,
)
from ui.render import escape_md, plain_markdown

log = logging.getLogger(__name__)

BUILTIN_DIR = REPO_ROOT / "eval" / "data"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SOURCE_BUILTIN = "Bộ câu hỏi có sẵn"
SOURCE_UPLOAD = "Bảng câu hỏi của tôi"


@st.cache_resource(show_spinner=False)
def _jobs(fingerprint: str) -> dict[str, EvalJob]:
    return {}


def jobs() -> dict[str, EvalJob]:
    return _jobs(state.config_fingerprint())


_start_lock = threading.Lock()


def builtin_sets() -> dict[str, Path]:
    names = {"dev": "Bộ câu hỏi phát triển"}
    return {f"{names.get(p.stem, p.stem)} ({p.name})": p for p in sorted(BUILTIN_DIR.glob("*.jsonl"))}


def template_xlsx() -> bytes:
    frame = pd.DataFrame(
        [
            [
                "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?",
                "15.300.000.000",
                "Xương Giang",
                "",
            ],
            ["Số ca mắc sốt xuất huyết năm 2023?", "", "Ngô Quyền", "x"],
        ],
        columns=["câu hỏi", "cần có", "phường/xã", "không có trong báo cáo"],
    )
    buf = io.BytesIO()
    frame.to_excel(buf, index=False, engine="openpyxl")
    return buf.getvalue()


def start_job(name: str, data: bytes | None, path: Path | None, settings: Settings) -> str | None:
    """Start a run (one at a time per server); the job id, or None with a message shown."""
    try:
        if path is not None:
            questions, problems = read_sheet(path.name, path.read_bytes())
        else:
            assert data is not None
            questions, problems = read_sheet(name, data)
    except SheetError as exc:
        st.error(str(exc))
        return None
    with _start_lock:
        if any(j.status == "running" for j in jobs().values()):
            st.warning("Đang có một lượt kiểm định khác chạy. Hãy đợi lượt đó xong rồi chạy lại.")
            return None
        job = EvalJob(name=name, questions=questions, problems=problems)
        jobs()[job.job_id] = job
    job.start(state.current_assistant(), settings.data_dir / "kiem-dinh")
    return job.job_id


@st.fragment(run_every=1.0)
def _progress(job_id: str) -> None:
    job = jobs().get(job_id)
    if job is None:
        return
    if job.status == "running":
        st.progress(
            job.done / max(1, job.total),
            text=f"Đang kiểm định {job.name}: {job.done}/{job.total} câu…",
        )
    else:
        st.rerun()


def show_results(job: EvalJob) -> None:
    if job.status == "failed":
        st.error(plain_markdown(f"Lượt kiểm định bị lỗi: {job.error}"))
        return
    s = job.summary
    o = s["overall"]
    st.subheader(plain_markdown(f"Kết quả: {job.name}"))
    st.caption(
        f"{o['questions']} câu hỏi ({o['answerable']} câu báo cáo có nêu, {o['unanswerable']} câu không)."
    )
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Trả lời đúng", pct(o.get("accuracy")))
    c2.metric("Từ chối đúng", pct(o.get("refusal_recall")))
    c3.metric("Từ chối nhầm", pct(o.get("false_refusal_rate")))
    c4.metric("Trích dẫn có đáp án", pct(o.get("citation_precision")))
    st.table(pd.DataFrame(overall_rows(s), columns=["Chỉ số", "Giá trị"]).set_index("Chỉ số"))
    st.markdown("**Theo loại câu hỏi**")
    st.table(category_frame(s).set_index("Loại câu hỏi"))
    d1, d2 = st.columns(2)
    d1.download_button(
        "Tải kết quả (Excel)",
        data=excel_bytes(job),
        file_name="ket-qua-kiem-dinh.xlsx",
        mime=XLSX_MIME,
        on_click="ignore",
        key=f"xlsx-{job.job_id}",
        icon=":material/table:",
    )
    d2.download_button(
        "Tải kết quả (văn bản .md)",
        data=markdown_report(job),
        file_name="ket-qua-kiem-dinh.md",
        mime="text/markdown",
        on_click="ignore",
        key=f"md-{job.job_id}",
        icon=":material/download:",
    )
    misses = job.misses()
    st.markdown(f"**Câu trả lời sai: {len(misses)}**")
    for d in misses:
        label = f"{d['id']} · {CATEGORY_VI.get(d['category'], d['category'])} · {d['question']}"
        with st.expander(plain_markdown(label[:150])):
            if d["history"]:
                st.caption(plain_markdown("Hỏi trước: " + " → ".join(d["history"])))
            expected = "(báo cáo không nêu)" if d["expected"] == ["(refusal)"] else "; ".join(d["expected"])
            st.markdown("**Cần có:** " + plain_markdown(expected))
            st.markdown("**Lỗi:** " + plain_markdown(miss_kind(d["kind"])))
            st.markdown("**Câu trả lời:**")
            st.markdown(escape_md(d["got"]))
            st.markdown("**Đoạn trích:**")
            st.markdown(escape_md(d["passage"]) if d["passage"] else "(không có)")
    if job.problems:
        with st.expander(f"Dòng không dùng được ({len(job.problems)})"):
            for p in job.problems:
                st.markdown("- " + plain_markdown(p))


def evaluate_page(assistant: Assistant, settings: Settings) -> None:
    st.title("Kiểm định")
    st.caption(
        "Chạy một bộ câu hỏi có đáp án để xem trợ lý trả lời đúng bao nhiêu. "
        "Việc chạy diễn ra ở nền: những người khác vẫn hỏi đáp bình thường."
    )
    if not assistant.known_wards():
        st.info("Chưa có báo cáo nào để kiểm định.")
        return
    source = st.radio("Nguồn câu hỏi", [SOURCE_BUILTIN, SOURCE_UPLOAD], key="ev_source", horizontal=True)
    path: Path | None = None
    data: bytes | None = None
    name = ""
    if source == SOURCE_BUILTIN:
        sets = builtin_sets()
        if not sets:
            st.info("Không có bộ câu hỏi có sẵn.")
        else:
            name = st.selectbox("Bộ câu hỏi", list(sets), key="ev_builtin", placeholder="Chọn bộ câu hỏi…")
            path = sets[name] if name else None
    else:
        st.markdown(
            "Bảng Excel/CSV với các cột **câu hỏi**, **cần có** (số liệu hoặc từ phải có trong câu trả lời, "
            "cách nhau bởi dấu ;), **phường/xã**, **không có trong báo cáo** (đánh x nếu báo cáo không nêu); "
            "hoặc tệp JSONL theo định dạng bộ câu hỏi."
        )
        st.download_button(
            "Tải bảng mẫu (Excel)",
            data=template_xlsx(),
            file_name="bang-cau-hoi-mau.xlsx",
            mime=XLSX_MIME,
            on_click="ignore",
            key="ev_template",
            icon=":material/table:",
        )
        up = st.file_uploader(
            "Chọn bảng câu hỏi (.xlsx, .csv, .jsonl)", type=["xlsx", "csv", "jsonl"], key="ev_upload"
        )
        if up is not None:
            name, data = up.name, up.getvalue()
    if st.button("Chạy kiểm định", type="primary", key="ev_go", icon=":material/play_arrow:"):
        if path is None and data is None:
            st.warning("Hãy chọn bộ câu hỏi hoặc tải bảng câu hỏi lên.")
        else:
            job_id = start_job(name, data, path, settings)
            if job_id:
                st.session_state["ev_job"] = job_id
    job_id = st.session_state.get("ev_job")
    job = jobs().get(job_id) if job_id else None
    if job is None:
        return
    st.divider()
    if job.status == "running":
        _progress(job.job_id)
    else:
        show_results(job)
