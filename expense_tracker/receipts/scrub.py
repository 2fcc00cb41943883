"""Photos lose their location before they are stored.

The image data itself is never re-encoded (no quality lost): only metadata is rewritten.
- JPEG: the EXIF segment (APP1 "Exif") is rewritten by Pillow without its GPS directory,
  and XMP segments (which can repeat the location) are dropped.
- PNG: the eXIf chunk and XMP / raw-EXIF text chunks are dropped.
- WebP: the EXIF and XMP chunks are dropped, and the header's flags say so.
A photo that cannot be read as its type is refused (ValueError).
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
XMP_JPEG = b"http://ns.adobe.com/xap/1.0/\x00"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_METADATA_KEYWORDS = (b"XML:com.adobe.xmp", b"Raw profile type exif", b"Raw profile type APP1")


def without_location(data: bytes, content_type: str) -> bytes:
    """`data` without location metadata (PDFs are returned as they are)."""
    if content_type == "image/jpeg":
        cleaned = _jpeg(data)
    elif content_type == "image/png":
        cleaned = _png(data)
    elif content_type == "image/webp":
        cleaned = _webp(data)
    else:
        return data
    _check_readable(cleaned)
    return cleaned


def _check_readable(data: bytes) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception as exc:  # Pillow raises many kinds for a broken file
        raise ValueError("The image cannot be read.") from exc


def _jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("Not a JPEG.")
    out = bytearray(data[:2])
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise ValueError("The JPEG's segments are broken.")
        marker = data[position + 1]
        if marker == 0xDA or 0xD0 <= marker <= 0xD9 or marker == 0x01:
            break  # start of scan (or a marker without length): the rest is image data
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        segment = data[position : position + 2 + length]
        if len(segment) != 2 + length:
            raise ValueError("The JPEG is cut short.")
        payload = segment[4:]
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00"):
            out += _jpeg_exif_segment(payload)
        elif marker == 0xE1 and payload.startswith(XMP_JPEG):
            pass  # XMP can hold the location too: dropped whole
        else:
            out += segment
        position += 2 + length
    out += data[position:]
    return bytes(out)


def _jpeg_exif_segment(payload: bytes) -> bytes:
    exif = Image.Exif()
    exif.load(payload)
    if GPS_IFD in exif:
        del exif[GPS_IFD]
    cleaned = exif.tobytes()  # b"Exif\x00\x00" + TIFF
    if len(cleaned) + 2 > 0xFFFF:
        raise ValueError("The photo's EXIF is too large.")
    return b"\xff\xe1" + struct.pack(">H", len(cleaned) + 2) + cleaned


def _png(data: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("Not a PNG.")
    out = bytearray(PNG_SIGNATURE)
    position = len(PNG_SIGNATURE)
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        chunk = data[position : position + 12 + length]
        if len(chunk) != 12 + length:
            raise ValueError("The PNG is cut short.")
        body = chunk[8 : 8 + length]
        if zlib.crc32(kind + body) != struct.unpack(">I", chunk[-4:])[0]:
            raise ValueError("A PNG chunk is damaged.")
        dropped = kind == b"eXIf" or (
            kind in (b"iTXt", b"tEXt", b"zTXt")
            and body.split(b"\x00", 1)[0] in PNG_METADATA_KEYWORDS
        )
        if not dropped:
            out += chunk
        position += 12 + length
        if kind == b"IEND":
            break
    return bytes(out)


def _webp(data: bytes) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("Not a WebP.")
    chunks = bytearray()
    position = 12
    while position + 8 <= len(data):
        kind = data[position : position + 4]
        (length,) = struct.unpack("<I", data[position + 4 : position + 8])
        padded = length + (length & 1)
        chunk = bytearray(data[position : position + 8 + padded])
        if len(chunk) < 8 + length:
            raise ValueError("The WebP is cut short.")
        if kind == b"VP8X" and length >= 1:
            chunk[8] &= ~(0x08 | 0x04) & 0xFF  # no EXIF, no XMP any more
        if kind not in (b"EXIF", b"XMP "):
            chunks += chunk
        position += 8 + padded
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + bytes(chunks)
