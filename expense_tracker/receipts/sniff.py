"""What a receipt is, read from its first bytes (never from its name or a header)."""

from __future__ import annotations

SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def content_type(data: bytes) -> str | None:
    """The receipt's type, or None when it is none of JPEG, PNG, WebP or PDF."""
    for signature, kind in SIGNATURES:
        if data.startswith(signature):
            return kind
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
