"""The IDX file format of MNIST: a big-endian header, then unsigned bytes.

Images: magic 2051 (0x00000803), count, rows, columns, then count*rows*columns
bytes.  Labels: magic 2049 (0x00000801), count, then count bytes of 0..9.
Files may be gzip-compressed.  Anything else raises ValueError naming the file.
"""
import gzip
import os
import zlib

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
# Largest payload accepted: the declared sizes are checked against the actual
# payload before any array is allocated, so a hostile header cannot ask for more.
_MAX_BYTES = 1 << 31


def read_bytes(path):
    """The (decompressed) bytes of an IDX file, ``.gz`` or raw."""
    with open(path, "rb") as f:
        data = f.read(_MAX_BYTES + 1)
    if data[:2] == b"\x1f\x8b":
        try:
            # gzip.decompress does not bound its output: stream with a limit instead
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = d.decompress(data, _MAX_BYTES + 1)
            if len(out) > _MAX_BYTES:
                raise ValueError(f"{os.fspath(path)}: decompresses to more than {_MAX_BYTES} bytes")
            if not d.eof:
                raise ValueError(f"{os.fspath(path)}: truncated gzip stream")
            return out
        except (zlib.error, gzip.BadGzipFile, EOFError) as exc:
            raise ValueError(f"{os.fspath(path)}: corrupt gzip data ({exc})") from None
    return data


def parse(data, name="IDX data"):
    """Parse IDX bytes into a uint8 array: ``(n, rows, cols)`` images or ``(n,)`` labels."""
    if len(data) < 8:
        raise ValueError(f"{name}: too short for an IDX header ({len(data)} bytes)")
    magic = int.from_bytes(data[0:4], "big")
    count = int.from_bytes(data[4:8], "big")
    if magic == IMAGES_MAGIC:
        if len(data) < 16:
            raise ValueError(f"{name}: too short for an image header ({len(data)} bytes)")
        rows = int.from_bytes(data[8:12], "big")
        cols = int.from_bytes(data[12:16], "big")
        shape, header = (count, rows, cols), 16
    elif magic == LABELS_MAGIC:
        shape, header = (count,), 8
    else:
        raise ValueError(f"{name}: bad magic number {magic:#010x}: expected {IMAGES_MAGIC:#010x} "
                         f"(images) or {LABELS_MAGIC:#010x} (labels)")
    expected = int(np.prod(shape, dtype=object))
    if len(data) - header != expected:
        raise ValueError(f"{name}: the header declares {' x '.join(map(str, shape))} = {expected} "
                         f"bytes of payload but the file holds {len(data) - header}")
    array = np.frombuffer(data, dtype=np.uint8, count=expected, offset=header).reshape(shape)
    if magic == LABELS_MAGIC and expected and array.max() > 9:
        raise ValueError(f"{name}: labels must lie in 0..9; found {int(array.max())}")
    return array


def read(path):
    """Read an IDX file (``.gz`` or raw) into a read-only uint8 array."""
    return parse(read_bytes(path), os.fspath(path))
