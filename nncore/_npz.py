"""Reading an untrusted ``.npz`` network file with bounded time and memory.

``numpy.load`` believes an entry's header: a declared shape of ``(2**40,)``
allocates it, and every entry of the archive is inflated on access.  Here the
metadata entry is read first (small, size-capped), checked, and turned into the
exact shape and dtype each array must have; an entry is read only when its name
is expected, its header declares exactly that shape and dtype, and the archive
declares exactly that many bytes for it.  So a file never costs more memory
than a valid file of the shapes its metadata states, and no entry is inflated
beyond its declared size (the zip reader stops there and checks the CRC).
"""
import json
import struct
import zipfile
import zlib

import numpy as np
from numpy.lib import format as npy_format

from ._validation import key_difference

MAX_META_BYTES = 1 << 20
#: Widths above this are refused: no MNIST-sized network comes near it.
MAX_WIDTH = 1 << 24
#: Parameters (all layers together) above this are refused.
MAX_PARAMETERS = 1 << 30
#: An entry inflating more than this many times its compressed size is refused.
MAX_RATIO = 64
_DTYPES = {"float32": np.dtype("<f4"), "float64": np.dtype("<f8")}
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, struct.error, RuntimeError,
           ValueError, OverflowError, UnicodeDecodeError)


class Refused(Exception):
    """Why the file is not a valid network file (turned into NetworkFileError by the caller)."""


def read_network_file(fh, check_format):
    """``(meta, {name: array})`` from an open ``.npz`` file; raises :class:`Refused`.

    ``check_format(meta)`` raises :class:`Refused` for metadata of another format.
    """
    try:
        with zipfile.ZipFile(fh) as zf:
            entries = _entries(zf)
            if "meta" not in entries:
                raise Refused("the 'meta' entry is missing")
            meta = _read_meta(zf, entries["meta"])
            check_format(meta)
            shapes = expected_shapes(meta)
            difference = key_difference(set(entries) - {"meta"}, shapes)
            if difference:
                raise Refused(difference)
            dtype = _DTYPES[meta["dtype"]]
            arrays = {name: _read_entry(zf, entries[name], name, shape, dtype)
                      for name, shape in shapes.items()}
    except Refused:
        raise
    except _DAMAGE as exc:
        raise Refused(f"{type(exc).__name__}: {exc}") from None
    return meta, arrays


def _entries(zf):
    entries = {}
    for info in zf.infolist():
        name = info.filename
        if not name.endswith(".npy") or name[:-4] in entries:
            raise Refused(f"entry {name[:80]!r} is not a single .npy array")
        if info.compress_type != zipfile.ZIP_STORED and \
                info.file_size > MAX_RATIO * max(info.compress_size, 1) + 4096:
            raise Refused(f"entry {name[:80]!r} would inflate {info.compress_size} bytes to "
                          f"{info.file_size}")
        entries[name[:-4]] = info
    return entries


def _read_meta(zf, info):
    if info.file_size > MAX_META_BYTES:
        raise Refused(f"the 'meta' entry declares {info.file_size} bytes (at most "
                      f"{MAX_META_BYTES})")
    with zf.open(info) as f:
        shape, dtype = _header(f, "meta")
        if shape != () or dtype.kind != "U":
            raise Refused("the 'meta' entry is not a text scalar")
        text = _payload(f, info, "meta", dtype.itemsize)
    meta = json.loads(np.frombuffer(text, dtype)[0])
    if not isinstance(meta, dict):
        raise Refused("its metadata is not a JSON object")
    return meta


def expected_shapes(meta):
    """``{"W1": (n0, n1), "b1": (n1,), ...}`` from checked metadata; raises :class:`Refused`."""
    sizes, activations = meta.get("sizes"), meta.get("activations")
    if not (isinstance(sizes, list) and len(sizes) >= 2
            and all(type(s) is int and 0 <= s <= MAX_WIDTH for s in sizes)):
        raise Refused(f"metadata 'sizes' must list at least two widths in [0, {MAX_WIDTH}]")
    if not (isinstance(activations, list) and len(activations) == len(sizes) - 1
            and all(isinstance(a, str) for a in activations)):
        raise Refused(f"metadata lists {len(sizes)} sizes but 'activations' is not a list of "
                      f"{len(sizes) - 1} names")
    if not isinstance(meta.get("output"), str):
        raise Refused("metadata 'output' is not a name")
    if meta.get("dtype") not in _DTYPES:
        raise Refused(f"metadata 'dtype' must be 'float32' or 'float64'; got "
                      f"{str(meta.get('dtype'))[:40]!r}")
    if sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])) > MAX_PARAMETERS:
        raise Refused(f"metadata declares more than {MAX_PARAMETERS} parameters")
    shapes = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        shapes[f"W{i}"] = (n_in, n_out)
        shapes[f"b{i}"] = (n_out,)
    return shapes


def _header(f, name):
    version = npy_format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = npy_format.read_array_header_1_0(f)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = npy_format.read_array_header_2_0(f)
    else:
        raise Refused(f"{name} has .npy format version {version}")
    if dtype.hasobject:
        raise Refused(f"{name} holds pickled object data, which nncore never loads")
    if fortran:
        raise Refused(f"{name} holds Fortran-ordered data (nncore writes C order)")
    return shape, dtype


def _payload(f, info, name, nbytes):
    """The ``nbytes`` after the header, when the archive declares exactly that many."""
    if info.file_size - f.tell() != nbytes:
        raise Refused(f"{name} declares {info.file_size - f.tell()} bytes of data; its shape "
                      f"needs {nbytes}")
    data = f.read(nbytes)
    if len(data) != nbytes or f.read(1):
        raise Refused(f"{name} is truncated")
    return data


def _read_entry(zf, info, name, shape, dtype):
    with zf.open(info) as f:
        got_shape, got_dtype = _header(f, name)
        if got_shape != shape:
            raise Refused(f"{name} has shape {got_shape}, expected {shape}")
        if got_dtype.newbyteorder("<") != dtype:
            raise Refused(f"{name} has dtype {got_dtype}, expected {dtype}")
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        data = _payload(f, info, name, nbytes)
    return np.frombuffer(data, got_dtype).reshape(shape).astype(dtype)
