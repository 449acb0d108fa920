"""The installed (editable) package must make the product importable from any directory
(the CLI, Streamlit and subprocess workers do not always run with the repo as cwd).
Regression: ``baocao*`` was once missing from ``[tool.setuptools.packages.find]``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit


def test_product_importable_outside_repo(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import baocao.settings, vectorstore.index, assistant.retrieval"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr[-1500:]
