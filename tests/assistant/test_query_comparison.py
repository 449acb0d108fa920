"""When a question asks across wards (a comparison) and when it asks within the one it names."""

from __future__ import annotations

import pytest

from assistant.query import analyse

pytestmark = pytest.mark.unit

WARDS = ["Tân Hưng", "Bình Minh", "Đông Sơn"]


@pytest.mark.parametrize(
    "question",
    [
        "Nơi nào có tỷ lệ hộ nghèo thấp hơn?",
        "Xã nào thu ngân sách cao hơn năm 2023?",
        "Tân Hưng và Bình Minh, bên nào có nhiều trường đạt chuẩn hơn?",
        "So sánh số lao động có việc làm mới giữa các phường",
        "Phường nào giải ngân vốn đầu tư công nhanh hơn?",
    ],
)
def test_questions_across_wards_are_comparisons(question: str) -> None:
    assert analyse(question, WARDS).is_comparison


@pytest.mark.parametrize(
    "question",
    [
        # one ward named: "nơi nào / bên nào / phường nào" asks about places within it
        "Xã Tân Hưng tổ chức ra quân dọn vệ sinh ở những nơi nào?",
        "Báo cáo của Bình Minh được gửi tới những nơi nào?",
        "Nơi nào ở Đông Sơn được chọn làm mô hình tuyến phố văn minh?",
        "Đông Sơn năm nay thu ngân sách cao hơn năm trước bao nhiêu?",
    ],
)
def test_questions_within_the_one_ward_they_name_are_not_comparisons(question: str) -> None:
    assert not analyse(question, WARDS).is_comparison
