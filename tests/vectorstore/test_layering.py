"""Data flows ingest → vectorstore → assistant → ui: nothing in ``ingest/`` imports the store."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from vectorstore.ingest_service import IngestService, main

pytestmark = pytest.mark.unit

INGEST = Path(__file__).resolve().parents[2] / "ingest"


def imported_modules(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_ingest_imports_neither_store_nor_assistant() -> None:
    files = sorted(INGEST.rglob("*.py"))
    assert len(files) > 10
    bad = {
        f"{p.relative_to(INGEST.parent)}: {m}"
        for p in files
        for m in imported_modules(p)
        if m.split(".")[0] in {"vectorstore", "assistant", "ui"}
    }
    assert not bad, sorted(bad)


def test_the_cli_gets_its_store_from_the_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from baocao.settings import load_settings
    from ingest import cli

    monkeypatch.setattr(cli, "STORE_FACTORY", None)
    with pytest.raises(RuntimeError, match="no index store"):
        cli.main(["list"])
    monkeypatch.setenv("BAOCAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BAOCAO_EMBEDDING_MODEL", "hash:64")
    assert main(["list", "--json"]) == 0  # ``python -m ingest``: the service wires the store in
    assert capsys.readouterr().out.strip() == "[]"
    assert cli.STORE_FACTORY is not None
    store = cli.STORE_FACTORY(load_settings())
    assert isinstance(store, IngestService)
    store.close()


def test_the_assistant_halves_fit_their_ports() -> None:
    from assistant.llm import LLMAnswerer
    from assistant.ports import Generator, Retriever
    from assistant.retrieval import HybridRetriever

    assert isinstance(HybridRetriever(index=None), Retriever)
    assert issubclass(LLMAnswerer, Generator)
