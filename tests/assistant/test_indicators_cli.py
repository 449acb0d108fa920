"""``python -m assistant indicators --json``: the contract's records from a real extraction
stored in the real SQLite table (the vector index is replaced by a stand-in: only its
documents and the figures table are read)."""

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assistant import indicators_cli
from assistant.indicators import CONTRACT_FIELDS
from baocao.settings import REPO_ROOT, load_settings
from ingest.indicators import extract_parsed
from ingest.pipeline import parse_file
from vectorstore.indicator_store import IndicatorStore

REPORT = REPO_ROOT / "data" / "reports" / "000_347ec1f2055dce63.txt"


class _Index:
    def __init__(self, store: IndicatorStore, ward: str, doc_id: str) -> None:
        self._store, self._docs = store, {doc_id: SimpleNamespace(ward=ward)}

    def documents(self) -> dict[str, Any]:
        return self._docs

    def indicator_table(self) -> IndicatorStore:
        return self._store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[IndicatorStore, str, str]:
    parsed = parse_file(REPORT, load_settings())
    st = IndicatorStore(Path(tmp_path_factory.mktemp("ind")) / "indicators.sqlite")
    st.replace_document(parsed.metadata.doc_id, extract_parsed(parsed))
    return st, parsed.metadata.ward, parsed.metadata.doc_id


def _run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], store: Any, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(indicators_cli, "Index", lambda settings: _Index(*store))
    ns = SimpleNamespace(ward=None, year=None, indicator=None, json=False)
    it = iter(argv)
    for flag in it:
        if flag == "--json":
            ns.json = True
        else:
            setattr(ns, flag.lstrip("-"), int(next(it)) if flag == "--year" else next(it))
    rc = indicators_cli.run(ns)  # type: ignore[arg-type]
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_json_records_carry_the_contract_fields(monkeypatch: Any, capsys: Any, store: Any) -> None:
    rc, out, _ = _run(monkeypatch, capsys, store, "--json")
    rows = json.loads(out)
    assert rc == 0 and len(rows) > 100
    for r in rows:
        assert set(CONTRACT_FIELDS) <= set(r)
        assert r["value_text"] in r["text"]
    # no list-numbering heading ("2.7. …") is ever a value
    assert not any(r["text"].startswith(r["value_text"] + ".") for r in rows)


def test_filters_by_indicator_ward_and_year(monkeypatch: Any, capsys: Any, store: Any) -> None:
    rc, out, _ = _run(
        monkeypatch, capsys, store, "--ward", "Xương Giang", "--indicator", "hộ nghèo", "--json"
    )
    rows = json.loads(out)
    assert rc == 0 and rows
    assert all("nghèo" in (r["indicator"] + r["text"]).lower() for r in rows)
    assert {r["ward"] for r in rows} == {store[1]}


def test_unknown_ward_is_a_clear_error(monkeypatch: Any, capsys: Any, store: Any) -> None:
    rc, out, err = _run(monkeypatch, capsys, store, "--ward", "Không Tồn Tại", "--json")
    assert rc == 2 and err.startswith("LỖI") and out == ""
