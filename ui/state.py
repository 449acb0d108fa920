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
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from assistant.service import Assistant
from assistant.types import AnswerRecord
from baocao.settings import Settings, load_settings

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
    st.session_state["conversation_id"] = st.session_state.get("conversation_id", 0) + 1


def conversation_id() -> int:
    return int(st.session_state.get("conversation_id", 0))
