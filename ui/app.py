"""Trợ lý Báo cáo — Streamlit entry point: ``streamlit run ui/app.py``.

A thin layer over ``assistant.service.Assistant``: pages for chat, ward comparison
and the document library; no retrieval logic lives here.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # `streamlit run ui/app.py` puts ui/ (not the repo) on sys.path
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from assistant.retrieval import Filters  # noqa: E402
from ui import state  # noqa: E402
from ui.chat import chat_page, sidebar_conversation_controls, sidebar_filters  # noqa: E402
from ui.compare import compare_page  # noqa: E402
from ui.evaluate import evaluate_page  # noqa: E402
from ui.indicators import indicators_page  # noqa: E402
from ui.library import library_page  # noqa: E402
from ui.page import chrome, remember_browser  # noqa: E402

log = logging.getLogger(__name__)

VIEW_CHAT = "Hỏi đáp"
VIEW_COMPARE = "So sánh phường/xã"
VIEW_LIBRARY = "Thư viện báo cáo"
VIEW_EVAL = "Kiểm định"
VIEW_INDICATORS = "Số liệu chỉ tiêu"
VIEWS = [VIEW_CHAT, VIEW_COMPARE, VIEW_INDICATORS, VIEW_LIBRARY, VIEW_EVAL]


def _login() -> None:
    """Password box callback: throttled, compared in constant time, then forgotten."""
    attempt = str(st.session_state.get("admin_pw", ""))
    st.session_state["admin_pw"] = ""
    if not attempt:
        return
    throttle = state.login_throttle()
    wait = throttle.wait_seconds()
    if wait > 0:
        st.session_state["is_admin"] = False
        st.session_state["admin_error"] = f"Đã nhập sai nhiều lần. Hãy thử lại sau {int(wait) + 1} giây."
        return
    ok = state.check_password(state.get_settings(), attempt)
    throttle.record(ok)
    st.session_state["is_admin"] = ok
    st.session_state["admin_error"] = "" if ok else "Mật khẩu không đúng."


def _logout() -> None:
    st.session_state["is_admin"] = False
    st.session_state["admin_error"] = ""


def sidebar_admin() -> None:
    settings = state.get_settings()
    if not state.admin_configured(settings):
        return  # no admin password configured: no upload/remove controls at all
    sb = st.sidebar
    sb.divider()
    sb.subheader("Quản trị")
    if state.is_admin(settings):
        sb.success("Đang ở chế độ quản trị: có thể nạp và xoá báo cáo trong Thư viện báo cáo.")
        sb.button("Thoát quản trị", on_click=_logout, key="admin_logout", icon=":material/logout:")
    else:
        sb.text_input(
            "Mật khẩu quản trị",
            type="password",
            key="admin_pw",
            on_change=_login,
            help="Nhập mật khẩu rồi nhấn Enter để nạp hoặc xoá báo cáo.",
        )
        if st.session_state.get("admin_error"):
            sb.error(str(st.session_state["admin_error"]))


def _restore_last_conversation() -> None:
    """A reload (a new session in a known browser) reopens the newest conversation."""
    if st.session_state.get("restored"):
        return
    st.session_state["restored"] = True
    bid = state.browser_id()
    if not st.session_state.get("browser_known"):
        remember_browser(bid)
        return
    earlier = state.conversation_store().list(bid)
    if earlier and not state.turns():
        state.open_conversation(earlier[0].conversation_id)
        st.session_state.pop("close_sidebar", None)


def main() -> None:
    st.set_page_config(page_title="Trợ lý Báo cáo", page_icon="📊", layout="wide")
    chrome()
    st.sidebar.title("Trợ lý Báo cáo")
    st.sidebar.caption("Hỏi đáp có trích dẫn trên báo cáo kinh tế - xã hội của phường/xã")
    try:
        settings = state.get_settings()
        assistant = state.get_assistant()
    except Exception as exc:
        log.exception("cannot open the index")
        st.error(
            "Không mở được kho báo cáo hoặc mô hình ngôn ngữ. "
            "Hãy kiểm tra cấu hình (BAOCAO_DATA_DIR, BAOCAO_EMBEDDING_MODEL, BAOCAO_CHROMA_HOST) "
            f"rồi tải lại trang. Chi tiết: {type(exc).__name__}."
        )
        st.stop()
        return
    _restore_last_conversation()
    # navigation at the top of the page: visible on a phone without opening the sidebar
    view = st.radio("Chức năng", VIEWS, key="view", horizontal=True, label_visibility="collapsed")
    if view == VIEW_CHAT:
        filters = sidebar_filters(assistant)
        controls = st.sidebar.empty()
        sidebar_admin()
        chat_page(assistant, filters)
        sidebar_conversation_controls(controls, assistant)
        return
    sidebar_admin()
    if view == VIEW_COMPARE:
        compare_page(assistant, Filters())
    elif view == VIEW_INDICATORS:
        indicators_page(assistant)
    elif view == VIEW_LIBRARY:
        library_page(assistant, settings)
    else:
        evaluate_page(assistant, settings)


main()
