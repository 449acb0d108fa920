"""Errors the vector store raises; the CLIs turn them into one Vietnamese sentence."""

from __future__ import annotations


class StoreUnavailable(RuntimeError):
    """The store (Chroma or Milvus, embedded or server) cannot be reached or opened."""


class EmbeddingModelMismatch(RuntimeError):
    """The index was built with another embedding model or dimension."""


def model_mismatch(where: str, stored: str, model_name: str) -> EmbeddingModelMismatch:
    return EmbeddingModelMismatch(
        f"Chỉ mục '{where}' được tạo bằng mô hình embedding '{stored}', nhưng cấu hình hiện tại là "
        f"'{model_name}'. Không trộn hai mô hình: đặt lại BAOCAO_EMBEDDING_MODEL={stored}, "
        "hoặc dùng BAOCAO_DATA_DIR khác (hoặc `make clean`) rồi nạp lại báo cáo."
    )


def dimension_mismatch(stored: int, model_name: str, dimension: int) -> EmbeddingModelMismatch:
    return EmbeddingModelMismatch(
        f"Chỉ mục có vectơ {stored} chiều, mô hình '{model_name}' cho {dimension} chiều."
    )
