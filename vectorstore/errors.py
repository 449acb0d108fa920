"""Errors the vector store raises; the CLIs turn them into one Vietnamese sentence."""

from __future__ import annotations


class StoreUnavailable(RuntimeError):
    """The store (Chroma or Milvus, embedded or server) cannot be reached or opened."""


class EmbeddingModelMismatch(RuntimeError):
    """The index was built with another embedding model or dimension."""


TUNED_MARK = "+tuned-"  # vectorstore.tuning: "<model>+tuned-<hash>"


def model_mismatch(where: str, stored: str, model_name: str) -> EmbeddingModelMismatch:
    base, current = stored.split(TUNED_MARK)[0], model_name.split(TUNED_MARK)[0]
    reload = "dùng BAOCAO_DATA_DIR khác (hoặc `make clean`) rồi nạp lại báo cáo"
    if base != current:
        fix = f"đặt lại BAOCAO_EMBEDDING_MODEL={base}, hoặc {reload}"
    elif TUNED_MARK in stored and TUNED_MARK in model_name:
        fix = f"mô hình đã được tinh chỉnh lại (các cặp tinh chỉnh đã đổi) từ lúc nạp: {reload}"
    else:
        fix = f"đặt BAOCAO_EMBEDDING_TUNING={1 if TUNED_MARK in stored else 0}, hoặc {reload}"
    return EmbeddingModelMismatch(
        f"Chỉ mục '{where}' được tạo bằng mô hình embedding '{stored}', nhưng cấu hình hiện tại là "
        f"'{model_name}'. Không trộn hai mô hình: {fix}."
    )


def dimension_mismatch(stored: int, model_name: str, dimension: int) -> EmbeddingModelMismatch:
    return EmbeddingModelMismatch(
        f"Chỉ mục có vectơ {stored} chiều, mô hình '{model_name}' cho {dimension} chiều."
    )
