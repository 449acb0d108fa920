"""Ingest errors: each carries one clear Vietnamese sentence for the user (``message_vi``).

The CLI prints ``message_vi`` on stderr (one line, control characters escaped) and exits
with one of the codes below (the same table is in the README); the UI shows it as is.

* ``EXIT_OK`` (0) — every file went in (or, for ``inspect``, the file was parsed).
* ``EXIT_FAILED`` (1) — ``add``/``remove``: at least one file was refused or not found;
  the good files of the batch still went in.
* ``EXIT_INPUT`` (2) — ``inspect``: the file was refused; any command: bad arguments
  (argparse) or nothing to add at all.
"""

from __future__ import annotations

from collections.abc import Iterable

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2


class IngestError(Exception):
    """Base class: ``message_vi`` is what the user sees, ``str(err)`` the same text."""

    message_vi: str = "Không đọc được tệp."

    def __init__(self, message_vi: str | None = None, *, source: str = "") -> None:
        if message_vi is not None:
            self.message_vi = message_vi
        self.source = source
        super().__init__(self.message_vi)


class EmptyFile(IngestError):
    def __init__(self, source: str = "") -> None:
        super().__init__(f"Tệp {source} rỗng, không có nội dung để đọc.", source=source)


class UnsupportedFormat(IngestError):
    def __init__(self, source: str, valid: Iterable[str]) -> None:
        exts = ", ".join(sorted(valid))
        hint = " (hãy lưu lại dưới dạng .docx)" if source.lower().endswith(".doc") else ""
        super().__init__(
            f"Định dạng tệp {source} không được hỗ trợ{hint}; chỉ nhận các đuôi: {exts}.", source=source
        )


class FileTooLarge(IngestError):
    def __init__(self, source: str, size_mb: float, limit_mb: float) -> None:
        super().__init__(
            f"Tệp {source} quá lớn ({size_mb:.3g} MB), giới hạn là {limit_mb:.3g} MB.", source=source
        )


class UndecodableText(IngestError):
    def __init__(self, source: str, tried: Iterable[str], legacy: bool = False, binary: bool = False) -> None:
        tried_s = ", ".join(tried)
        if legacy:
            msg = (
                f"Tệp {source} dùng bảng mã tiếng Việt cũ (TCVN3/ABC hoặc VNI), không phải Unicode; "
                f"hãy chuyển sang Unicode (ví dụ bằng Unikey) rồi nạp lại (đã thử: {tried_s})."
            )
        elif binary:
            msg = f"Tệp {source} không phải văn bản (dữ liệu nhị phân), không đọc được (đã thử: {tried_s})."
        else:
            msg = (
                f"Không xác định được bảng mã của tệp {source} (đã thử: {tried_s}); "
                "nếu là bảng mã cũ TCVN3/VNI, hãy chuyển sang Unicode rồi nạp lại."
            )
        super().__init__(msg, source=source)


class CorruptPdf(IngestError):
    def __init__(self, source: str, detail: str = "") -> None:
        super().__init__(f"Tệp PDF {source} bị hỏng hoặc không đúng định dạng PDF.", source=source)
        self.detail = detail


class EncryptedPdf(IngestError):
    def __init__(self, source: str) -> None:
        super().__init__(
            f"Tệp PDF {source} được bảo vệ bằng mật khẩu; hãy gỡ mật khẩu rồi nạp lại.", source=source
        )


class ScannedPdf(IngestError):
    def __init__(self, source: str) -> None:
        super().__init__(
            f"Tệp PDF {source} là bản quét (ảnh), không có lớp chữ; cần nhận dạng chữ (OCR) trước khi nạp.",
            source=source,
        )


class CorruptDocx(IngestError):
    def __init__(self, source: str, detail: str = "") -> None:
        super().__init__(f"Tệp Word {source} bị hỏng hoặc không phải tệp .docx hợp lệ.", source=source)
        self.detail = detail


class NoWardFound(IngestError):
    def __init__(self, source: str) -> None:
        super().__init__(
            f"Không tìm thấy tên phường/xã trong tệp {source}; hãy chỉ rõ bằng tùy chọn --ward "
            '(ví dụ --ward "phường Ngô Quyền").',
            source=source,
        )


class NotAReport(IngestError):
    def __init__(self, source: str) -> None:
        super().__init__(
            f"Tệp {source} không có nội dung văn bản đủ để tạo đoạn trích (quá ngắn hoặc không phải báo cáo).",
            source=source,
        )


class LimitExceeded(IngestError):
    """A file expands past a read limit (``ingest.limits``); ``setting`` names the variable."""

    def __init__(self, source: str, what: str, limit: str, setting: str) -> None:
        super().__init__(
            f"Tệp {source} bị từ chối: vượt giới hạn {what} ({limit}, đặt bằng {setting}).", source=source
        )
        self.what = what
        self.setting = setting


class NotARegularFile(IngestError):
    """Symlinks, FIFOs, devices, sockets and paths outside the given folder are never read."""

    def __init__(self, source: str, kind: str) -> None:
        super().__init__(f"Bỏ qua {source}: {kind}, không đọc.", source=source)
        self.kind = kind


class WardConflict(IngestError):
    """``--ward`` names one area but the file's letterhead names another: reported, not relabelled."""

    def __init__(self, source: str, named: str, given: str) -> None:
        super().__init__(
            f"Tệp {source} ghi tên {named} nhưng --ward là {given}; không gán lại, tệp không được nạp "
            f"(nạp riêng tệp này nếu đúng là của {given}).",
            source=source,
        )
