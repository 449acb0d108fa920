"""Process-wide resources (settings, index + assistant) and per-session state.

Resources are created once per process with ``st.cache_resource`` (the embedding
model and the index load once), keyed by a fingerprint of the ``BAOCAO_*``
environment so a changed configuration (tests, another data dir) gets its own
resources. The fingerprint is a hash: no setting value (the admin password
included) is ever used as a visible key, logged or shown.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from assistant.service import Assistant
from assistant.types import AnswerRecord
from baocao.settings import Settings, load_settings
from ui.page import COOKIE
from ui.store import ConversationStore, StoredTurn, new_id, valid_id

log = logging.getLogger(__name__)

LOADING_MESSAGE = "Đang tải mô hình…"


def config_fingerprint() -> str:
    h = hashlib.sha256()
    for k in sorted(os.environ):
        if k.startswith("BAOCAO_"):
            h.update(k.encode())
            h.update(b"=")
            h.update(os.environ[k].encode("utf-8", "replace"))
            h.update(b"\0")
    return h.hexdigest()


@st.cache_resource(show_spinner=False)
def _settings(fingerprint: str) -> Settings:
    return load_settings()


def get_settings() -> Settings:
    return _settings(config_fingerprint())


@st.cache_resource(show_spinner=False)
def _assistant(fingerprint: str) -> Assistant:
    settings = _settings(fingerprint)
    assistant = Assistant(settings)
    # load the embedding model now (once per process), not on the first question
    _ = assistant.index.embedder
    assistant.index.refresh_lexical()
    return assistant


def get_assistant() -> Assistant:
    """The shared assistant; shows a spinner while the model/index load."""
    with st.spinner(LOADING_MESSAGE):
        return _assistant(config_fingerprint())


def current_assistant() -> Assistant:
    """The shared assistant without UI (for widget callbacks)."""
    return _assistant(config_fingerprint())


# admin ----------------------------------------------------------------------------------


def admin_configured(settings: Settings) -> bool:
    return bool(settings.admin_password and settings.admin_password.get_secret_value().strip())


class Throttle:
    """Failed admin logins slow everyone down: after ``free`` failures in a row each further
    attempt waits ``base * 2**n`` seconds (capped), whatever the browser session."""

    def __init__(self, free: int = 3, base: float = 5.0, cap: float = 300.0) -> None:
        self.free, self.base, self.cap = free, base, cap
        self.failures = 0
        self.blocked_until = 0.0
        self._lock = threading.Lock()

    def wait_seconds(self, now: float | None = None) -> float:
        with self._lock:
            return max(0.0, self.blocked_until - (time.monotonic() if now is None else now))

    def record(self, ok: bool, now: float | None = None) -> None:
        with self._lock:
            if ok:
                self.failures, self.blocked_until = 0, 0.0
                return
            self.failures += 1
            if self.failures >= self.free:
                delay = min(self.cap, self.base * 2 ** (self.failures - self.free))
                self.blocked_until = (time.monotonic() if now is None else now) + delay
            log.warning("admin password rejected (%d failed attempts in a row)", self.failures)


@st.cache_resource(show_spinner=False)
def _throttle(fingerprint: str) -> Throttle:
    return Throttle(free=get_settings().admin_free_attempts)


def login_throttle() -> Throttle:
    return _throttle(config_fingerprint())


def check_password(settings: Settings, attempt: str) -> bool:
    if not admin_configured(settings) or not attempt:
        return False
    assert settings.admin_password is not None
    secret = settings.admin_password.get_secret_value().encode("utf-8")
    return hmac.compare_digest(attempt.encode("utf-8"), secret)


def is_admin(settings: Settings) -> bool:
    return admin_configured(settings) and bool(st.session_state.get("is_admin"))


# conversation ---------------------------------------------------------------------------


@dataclass
class Turn:
    question: str
    record: AnswerRecord
    filters: dict[str, Any] = field(default_factory=dict)


def turns() -> list[Turn]:
    if "turns" not in st.session_state:
        st.session_state["turns"] = []
    out: list[Turn] = st.session_state["turns"]
    return out


def clear_conversation() -> None:
    st.session_state["turns"] = []
    st.session_state["conversation_id"] = new_id()


def conversation_id() -> str:
    if "conversation_id" not in st.session_state:
        st.session_state["conversation_id"] = new_id()
    return str(st.session_state["conversation_id"])


def open_conversation(conversation_id: str) -> None:
    """Button callback: show an earlier conversation of this browser."""
    store, bid = conversation_store(), browser_id()
    turns = store.load(bid, conversation_id)
    if turns:
        st.session_state["turns"] = [Turn(t.question, t.record) for t in turns]
        st.session_state["conversation_id"] = conversation_id
        st.session_state["close_sidebar"] = True


def save_conversation() -> None:
    turns_ = turns()
    if not turns_:
        return
    try:
        conversation_store().save(
            browser_id(), conversation_id(), [StoredTurn(t.question, t.record) for t in turns_]
        )
    except (OSError, ValueError):
        log.exception("cannot save the conversation")


# this browser ----------------------------------------------------------------------------


def browser_id() -> str:
    """This browser's id: from its cookie, else a new one (the page then sets the cookie)."""
    if "browser_id" not in st.session_state:
        try:
            cookie = st.context.cookies.get(COOKIE)
        except Exception:  # no browser (AppTest)
            cookie = None
        st.session_state["browser_id"] = cookie if valid_id(cookie) else new_id()
        st.session_state["browser_known"] = valid_id(cookie)
    return str(st.session_state["browser_id"])


def conversation_store() -> ConversationStore:
    return ConversationStore(get_settings().data_dir / "conversations")
