"""The store contract (``contract.py``) on each backend: Chroma embedded, a real Chroma
server (``chroma run`` started by the fixture) and Milvus Lite (a local ``.db`` file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from baocao.settings import Settings
from tests.vectorstore.conftest import ChromaServer, hash_settings
from tests.vectorstore.contract import StoreContract


class TestChromaEmbedded(StoreContract):
    backend = "chroma"

    def settings_for(self, tmp_path: Path, **kw: Any) -> Settings:
        return hash_settings(tmp_path / "data", **kw)


@pytest.mark.integration
class TestChromaServer(StoreContract):
    backend = "chroma"

    @pytest.fixture(autouse=True)
    def _server(self, chroma_server: ChromaServer, request: pytest.FixtureRequest) -> None:
        self.server = chroma_server
        # one server for the module: every test gets its own collection
        self.collection = "c" + str(abs(hash(request.node.nodeid)))[:12]

    def settings_for(self, tmp_path: Path, **kw: Any) -> Settings:
        kw = {
            "chroma_host": self.server.host,
            "chroma_port": self.server.port,
            "collection": self.collection,
            **kw,
        }
        return hash_settings(tmp_path / "data", **kw)


@pytest.mark.integration
class TestMilvusLite(StoreContract):
    backend = "milvus"

    def settings_for(self, tmp_path: Path, **kw: Any) -> Settings:
        return hash_settings(tmp_path / "data", vector_backend="milvus", **kw)
