"""Header-only structure checks of uploads: an image's size and whether the file is whole, read from its
bytes without decoding a pixel (``capture.load.probe`` runs them before an upload is accepted)."""

from __future__ import annotations

import struct
import zlib

from PIL import ImageFile

from capture.errors import UnreadableFileError


def png_size(data: bytes) -> tuple[int, int]:
    """IHDR's size, after walking the chunk chain to IEND (a truncated file ends inside a chunk) and checking
    every chunk's CRC (a damaged byte anywhere; zlib's CRC-32 runs at about 1 GB/s)."""
    pos, size, idat, view = 8, None, False, memoryview(data)
    while True:
        if pos + 12 > len(data):
            raise UnreadableFileError("the PNG file is truncated (it ends before its IEND chunk)")
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if end > len(data):
            raise UnreadableFileError(f"the PNG file is truncated (its {kind.decode('latin-1')} chunk is cut off)")
        if zlib.crc32(view[pos + 4:end - 4]) != struct.unpack_from(">I", data, end - 4)[0]:
            raise UnreadableFileError(f"the PNG file is corrupt (its {kind.decode('latin-1')} chunk fails its CRC)")
        if size is None:
            if kind != b"IHDR" or length != 13:
                raise UnreadableFileError("the PNG file is corrupt (it does not start with an IHDR chunk)")
            size = struct.unpack_from(">II", data, pos + 8)
        idat = idat or kind == b"IDAT"
        if kind == b"IEND":
            break
        pos = end
    if not idat:
        raise UnreadableFileError("the PNG file is corrupt (it has no image data)")
    return size[0], size[1]


_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def jpeg_size(data: bytes) -> tuple[int, int]:
    """The frame header's size; the markers up to the first scan must be whole and an EOI must follow it."""
    pos, size = 2, None
    while True:
        if pos + 4 > len(data):
            raise UnreadableFileError("the JPEG file is truncated (it ends in its headers)")
        if data[pos] != 0xFF:
            raise UnreadableFileError(f"the JPEG file is corrupt (no marker at byte {pos})")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            pos += 2
            continue
        if marker == 0xD9:
            raise UnreadableFileError("the JPEG file is corrupt (it ends before any image data)")
        length = struct.unpack_from(">H", data, pos + 2)[0]
        if length < 2 or pos + 2 + length > len(data):
            raise UnreadableFileError("the JPEG file is truncated (a header segment is cut off)")
        if marker in _JPEG_SOF and length >= 7:
            height, width = struct.unpack_from(">HH", data, pos + 5)
            size = (width, height)
        if marker == 0xDA:  # start of scan: the entropy-coded data follows
            break
        pos += 2 + length
    if size is None:
        raise UnreadableFileError("the JPEG file is corrupt (no frame header before its image data)")
    if data.rfind(b"\xff\xd9") < pos:
        raise UnreadableFileError("the JPEG file is truncated (no end-of-image marker after its image data)")
    return size


def check_tiff_data(im: ImageFile.ImageFile, size: int, index: int, frames: int) -> None:
    tags = im.tag_v2
    for offsets_tag, counts_tag in ((273, 279), (324, 325)):  # strips, tiles
        offsets, counts = tags.get(offsets_tag), tags.get(counts_tag)
        if offsets is None or counts is None:
            continue
        offsets = offsets if isinstance(offsets, tuple) else (offsets,)
        counts = counts if isinstance(counts, tuple) else (counts,)
        if any(o + c > size for o, c in zip(offsets, counts, strict=False)):
            where = f"page {index + 1}" if frames > 1 else "its image data"
            raise UnreadableFileError(f"the TIFF file is truncated ({where} lies past the end of the file)")
