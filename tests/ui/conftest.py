"""Shared fixtures for the UI tests: small real indexes (hash embedder) in tmp dirs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "ui" / "app.py"
SAMPLES = sorted((REPO / "data" / "reports").glob("*.txt"))
XSS_REPORT = Path(__file__).with_name("hoi_phu_xss.txt")
ARTIFACTS = REPO / "tests" / "artifacts"
ADMIN_PASSWORD = "mật-khẩu-thử-9f3c"


def _build(data_dir: Path, files: list[str]) -> Path:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.ui._build_index", str(data_dir), *files],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"index build failed:\n{proc.stdout}\n{proc.stderr}"
    return data_dir


@pytest.fixture(scope="session")
def sample_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index with the two sample reports (Xương Giang, Ngô Quyền)."""
    assert len(SAMPLES) >= 2, "sample reports missing in data/reports"
    return _build(tmp_path_factory.mktemp("ui-index") / "data", [str(p) for p in SAMPLES])


@pytest.fixture(scope="session")
def xss_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples plus a "phường Hội Phú" report full of HTML/Markdown tricks."""
    files = [str(p) for p in SAMPLES] + [f"{XSS_REPORT}::Hội Phú"]
    return _build(tmp_path_factory.mktemp("ui-xss") / "data", files)


@pytest.fixture
def mutable_data_dir(sample_data_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the sample index for tests that add or remove reports."""
    dst = tmp_path / "data"
    shutil.copytree(sample_data_dir, dst, ignore=shutil.ignore_patterns("write.lock"))
    return dst


def app_environment(data_dir: Path, admin_password: str | None = None) -> dict[str, str]:
    """BAOCAO_* variables for an app over ``data_dir`` (no LLM, no Chroma server)."""
    return {
        "BAOCAO_DATA_DIR": str(data_dir),
        "BAOCAO_EMBEDDING_MODEL": "hash:256",
        "BAOCAO_LLM_BASE_URL": "",
        "BAOCAO_LLM_MODEL": "",
        "BAOCAO_CHROMA_HOST": "",
        "BAOCAO_ADMIN_PASSWORD": admin_password or "",
    }


@pytest.fixture
def use_index(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Point the app (same process: AppTest) at an index; optionally set the admin password."""

    def apply(data_dir: Path, admin_password: str | None = None) -> None:
        for k, v in app_environment(data_dir, admin_password).items():
            monkeypatch.setenv(k, v)

    return apply
