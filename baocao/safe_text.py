"""Text from files (names, report text) made safe for a terminal, a log line or a page.

A file name may hold a newline (which forges an extra output line), ANSI escape codes
(which recolour or rewrite the terminal) or bidi overrides (which reverse what is shown).
:func:`one_line` writes every such character as a visible escape (``\\n``, ``\\x1b``,
``\\u202e``); :func:`strip_controls` removes them from report text but keeps line breaks
and tabs.
"""

from __future__ import annotations

import re

# C0 and C1 control characters, DEL, and the bidi embedding/override/isolate controls.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE_RE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_IN_TEXT_RE = re.compile(f"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f{_BIDI}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: object) -> str:
    """``text`` on one line with every control character shown as an escape."""
    return _UNSAFE_RE.sub(_visible, str(text))


def strip_controls(text: str) -> str:
    """Report text without control characters; keeps ``\\n``, ``\\t``, ``\\f`` and ``\\r``."""
    return _UNSAFE_IN_TEXT_RE.sub("", text)
