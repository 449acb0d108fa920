"""Questions about who signed the report (hand-made wordings)."""

from __future__ import annotations

import pytest

from assistant.signers import is_signer_question

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "question",
    [
        "Ai ký báo cáo của xã Tân Lập?",
        "Báo cáo do ai ký?",
        "Người ký kế hoạch là ai?",
        "Chữ ký cuối văn bản là của ai",
    ],
)
def test_who_signed(question: str) -> None:
    assert is_signer_question(question)


@pytest.mark.parametrize(
    "question",
    [
        "Ai đăng ký kết hôn nhiều nhất?",
        "Kỳ họp thứ 6 do ai chủ trì?",
        "Ai ký kết hợp đồng thuê đất?",
        "Xã đăng ký khai sinh bao nhiêu trường hợp?",
    ],
)
def test_not_about_the_signer(question: str) -> None:
    assert not is_signer_question(question)
