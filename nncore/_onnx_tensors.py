"""ONNX tensors -> numpy arrays, for untrusted files.

A tensor's declared size is checked against its data before anything is
allocated: the element count is bounded, the bytes present must be exactly the
bytes declared, and external data is read only from a regular file inside the
model's own folder, only the declared range, after checking it is there.
"""
import os
import stat

import numpy as np

from ._npz import Refused

#: The largest tensor, in elements, a model may hold (2**28: 2 GiB of float64).
MAX_TENSOR_ELEMENTS = 1 << 28
#: The most bytes of external data one model may read from beside it.
MAX_EXTERNAL_BYTES = 1 << 30

# TensorProto.DataType values nncore reads (floats for weights, int64 for shapes)
_DTYPES = {1: np.dtype("<f4"), 11: np.dtype("<f8"), 7: np.dtype("<i8")}
_TYPE_NAMES = {0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16",
               6: "INT32", 7: "INT64", 8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE",
               12: "UINT32", 13: "UINT64", 14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16"}
_EXTERNAL_KEYS = {"location", "offset", "length", "checksum"}


def type_name(code):
    """The name of a TensorProto data type code (for messages)."""
    return _TYPE_NAMES.get(code, f"type {code}")


def float_dtype(code, what):
    """numpy float32/float64 for a FLOAT/DOUBLE code, else Refused naming ``what``."""
    if code not in (1, 11):
        raise Refused(f"{what} is {type_name(code)}; nncore reads FLOAT and DOUBLE networks")
    return _DTYPES[code]


class TensorReader:
    """Decodes the TensorProtos of one model; ``folder`` confines external data."""

    def __init__(self, folder):
        self.folder = os.path.realpath(folder)
        self.external_bytes = 0

    def array(self, tensor):
        """The tensor as a new numpy array, or Refused saying what is wrong."""
        name = tensor.name or "(unnamed)"
        dtype = _DTYPES.get(tensor.data_type)
        if dtype is None:
            raise Refused(f"tensor {name!r} is {type_name(tensor.data_type)}; nncore reads "
                          "FLOAT, DOUBLE and INT64 tensors")
        dims = list(tensor.dims)
        if len(dims) > 8 or any(d < 0 for d in dims):
            raise Refused(f"tensor {name!r} has dims {dims[:9]}")
        count = 1
        for d in dims:
            count *= d
            if count > MAX_TENSOR_ELEMENTS:
                raise Refused(f"tensor {name!r} declares dims {dims}, more than "
                              f"{MAX_TENSOR_ELEMENTS} elements")
        nbytes = count * dtype.itemsize
        if tensor.HasField("segment"):
            raise Refused(f"tensor {name!r} is segmented")
        if tensor.data_location == 1:
            raw = self._external(tensor, name, nbytes)
        elif tensor.data_location != 0:
            raise Refused(f"tensor {name!r} has data_location {tensor.data_location}")
        elif tensor.external_data:
            raise Refused(f"tensor {name!r} lists external data but is not marked external")
        elif tensor.raw_data:
            raw = tensor.raw_data
        else:
            field = {1: tensor.float_data, 11: tensor.double_data, 7: tensor.int64_data}[
                tensor.data_type]
            if len(field) != count:
                raise Refused(f"tensor {name!r} declares {count} elements but holds {len(field)}")
            return np.array(field, dtype=dtype).reshape(dims)
        if len(raw) != nbytes:
            raise Refused(f"tensor {name!r} declares dims {dims} ({nbytes} bytes) but holds "
                          f"{len(raw)} bytes")
        return np.frombuffer(raw, dtype=dtype, count=count).reshape(dims).astype(
            dtype.newbyteorder("="), copy=True)

    def _external(self, tensor, name, nbytes):
        entries = {}
        for entry in tensor.external_data:
            if entry.key not in _EXTERNAL_KEYS:
                raise Refused(f"tensor {name!r}: unknown external data key {entry.key[:40]!r}")
            entries[entry.key] = entry.value
        location = entries.get("location", "")
        if not location or "\x00" in location or os.path.isabs(location):
            raise Refused(f"tensor {name!r}: external data location {location[:80]!r} must be a "
                          "file name relative to the model's folder")
        path = os.path.realpath(os.path.join(self.folder, location))
        if os.path.commonpath([path, self.folder]) != self.folder or path == self.folder:
            raise Refused(f"tensor {name!r}: external data {location[:80]!r} lies outside the "
                          "model's folder")
        try:
            offset = int(entries.get("offset", "0"))
            length = int(entries.get("length", str(nbytes)))
        except ValueError:
            raise Refused(f"tensor {name!r}: external data offset or length is not a "
                          "number") from None
        if length != nbytes or offset < 0:
            raise Refused(f"tensor {name!r}: external data of {length} bytes at offset {offset} "
                          f"for dims {list(tensor.dims)} ({nbytes} bytes)")
        self.external_bytes += nbytes
        if self.external_bytes > MAX_EXTERNAL_BYTES:
            raise Refused(f"the model reads more than {MAX_EXTERNAL_BYTES} bytes of external "
                          "data")
        try:
            # O_NONBLOCK: opening a FIFO planted as "external data" must not hang
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            raise Refused(f"tensor {name!r}: cannot open external data {location[:80]!r} "
                          f"({exc.strerror or exc})") from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise Refused(f"tensor {name!r}: external data {location[:80]!r} is not a "
                          "regular file")
        with os.fdopen(fd, "rb") as f:
            if offset + nbytes > st.st_size:
                raise Refused(f"tensor {name!r}: external file {location[:80]!r} holds "
                              f"{st.st_size} bytes, fewer than offset {offset} + {nbytes}")
            f.seek(offset)
            raw = f.read(nbytes)
        return raw
