"""Weight files: nncore's own ``.npz`` format and the book's ``sample_weight.pkl``.

``.npz`` files are read with ``allow_pickle=False``: loading one never runs code.
The book's pickle is read through an unpickler that only lets numpy rebuild plain
numeric arrays; any other global is refused before it can run.
"""
import io
import json
import os
import pickle
import reprlib

import numpy as np

from ._atomic import atomic_write
from ._npz import Refused, read_network_file
from ._pickle_check import check_stream
from ._validation import check_instance
from .network import Dense, Network
from ._version import __version__

__all__ = ["save", "load", "load_legacy_pickle", "atomic_write", "NetworkFileError"]

FORMAT = "nncore-network"
FORMAT_VERSION = 1


def save(net, path):
    """Write ``net`` to ``path`` as ``.npz``: its arrays and a JSON metadata entry.

    The file is written to a temporary file beside ``path`` and renamed into place,
    so an interrupted save leaves any earlier file intact.  The name is used as
    given (no ``.npz`` is appended).

    Examples
    --------
    >>> import os, tempfile, nncore
    >>> net = nncore.Network.init([3, 4, 2], rng=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> net.save(path)
    >>> (nncore.load(path).predict([1.0, 2.0, 3.0]) == net.predict([1.0, 2.0, 3.0])).all()
    np.True_
    """
    check_instance(net, Network, "net", "a nncore.Network")
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sizes": net.sizes,
        "activations": net.activations,
        "output": net.output,
        "dtype": str(net.dtype),
        "nncore_version": __version__,
    }
    arrays = dict(net.params)
    arrays["meta"] = np.array(json.dumps(meta))
    with atomic_write(path) as f:
        np.savez(f, **arrays)


class NetworkFileError(ValueError):
    """A file is not a valid nncore network file (a ValueError)."""


def _bad(path, why):
    return NetworkFileError(f"{os.fspath(path)} is not a valid nncore network file: {why}")


def _check_format(meta):
    if meta.get("format") != FORMAT:
        raise Refused("its metadata does not say format 'nncore-network'")
    if meta.get("format_version") != FORMAT_VERSION:
        raise Refused(f"format_version {str(meta.get('format_version'))[:20]!r} is not "
                      f"supported (this nncore reads {FORMAT_VERSION})")


def _read_npz(path):
    """(metadata dict, {name: array}) of an ``.npz``, or NetworkFileError saying what is wrong."""
    with open(path, "rb") as fh:
        magic = fh.read(6)
        if magic.startswith(b"\x93NUMPY"):
            raise _bad(path, "it holds a single .npy array, not an .npz archive")
        if not magic.startswith(b"PK"):
            raise _bad(path, "it is not an .npz (zip) archive")
        fh.seek(0)
        try:
            return read_network_file(fh, _check_format)
        except Refused as exc:
            raise _bad(path, str(exc)) from None


def load(path):
    """Read a network written by :meth:`Network.save <nncore.Network.save>`.

    The file is treated as untrusted: it is read with ``allow_pickle=False``
    semantics, its metadata is checked first, and an array is read only when
    its name, shape, dtype and size are the ones the metadata implies, so a
    damaged or hostile file is refused quickly and with bounded memory.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file.

    Returns
    -------
    Network

    Raises
    ------
    NetworkFileError
        (a ValueError) When the file is not a complete nncore network file: not a
        zip archive, truncated, a missing or unexpected entry, an array of the
        wrong shape, dtype or size, or unreadable metadata.  The message names
        the file and the problem.
    FileNotFoundError
        When there is no file at ``path``.
    """
    meta, arrays = _read_npz(path)
    layers = []
    for i, activation in enumerate(meta["activations"], start=1):
        try:
            layers.append(Dense(arrays[f"W{i}"], arrays[f"b{i}"], activation))
        except (TypeError, ValueError) as exc:
            raise _bad(path, f"layer {i}: {exc}") from None
    try:
        return Network(layers, output=meta["output"])
    except (TypeError, ValueError) as exc:
        raise _bad(path, str(exc)) from None


# ------------------------------------------------------------------ legacy pickle
#
# A pickled ndarray is rebuilt by calling an allowed global (numpy's _reconstruct
# or _frombuffer, numpy.dtype) and then BUILD, which calls __setstate__ with data
# from the file.  NumPy's own __setstate__ is not meant for hostile data, so the
# allowed globals return proxies here: their __setstate__ checks the state and
# the array is made with np.frombuffer from bytes of exactly the right length.

_BYTEORDERS = {"<": "<", ">": ">", "|": "|", "=": "="}
#: The largest pickle :func:`load_legacy_pickle` reads (the book's is 182 kB).
MAX_PICKLE_BYTES = 1 << 30


def _refuse(why):
    raise pickle.UnpicklingError(f"not plain numeric array data: {why}")


class _DtypeProxy:
    """Stands for ``numpy.dtype(spec, align, copy)``; resolved by :meth:`resolve`."""

    def __init__(self, spec=None, align=False, copy=False):
        if not isinstance(spec, str) or len(spec) > 8:
            _refuse(f"dtype {reprlib.repr(spec)}")
        try:
            self.dtype = np.dtype(spec)
        except TypeError:
            _refuse(f"dtype {spec!r}")
        if self.dtype.kind not in "biuf" or self.dtype.hasobject:
            raise pickle.UnpicklingError(
                f"dtype {self.dtype} is refused: only plain numeric arrays are loaded "
                "(object arrays are refused: they can hold arbitrary objects)")

    def __setstate__(self, state):
        # (version, byteorder, subarray, names, fields, elsize, alignment, flags)
        if not (isinstance(state, tuple) and len(state) >= 2):
            _refuse("dtype state")
        order = state[1]
        if isinstance(order, bytes):
            order = order.decode("latin-1")
        if order not in _BYTEORDERS or any(v is not None for v in state[2:5]):
            _refuse("structured or sub-array dtype")
        if order in "<>":
            self.dtype = self.dtype.newbyteorder(order)

    @staticmethod
    def resolve(value):
        if isinstance(value, _DtypeProxy):
            return value.dtype
        _refuse(f"expected a dtype, got {type(value).__name__}")


def _shape(value):
    if not (isinstance(value, tuple) and len(value) <= 32
            and all(type(n) is int and 0 <= n < 2**40 for n in value)):
        _refuse(f"shape {reprlib.repr(value)}")
    return value


def _from_bytes(raw, dtype, shape, fortran):
    if isinstance(raw, pickle.PickleBuffer):
        raw = bytes(raw.raw())
    if isinstance(raw, str):  # protocol 2 keeps bytes as latin-1 text
        raw = raw.encode("latin-1")
    if not isinstance(raw, (bytes, bytearray)):
        _refuse("array data is not bytes")
    count = int(np.prod(shape, dtype=object))
    if len(raw) != count * dtype.itemsize:
        _refuse(f"{len(raw)} bytes of data for shape {shape} of {dtype}")
    flat = np.frombuffer(bytes(raw), dtype=dtype, count=count)
    return flat.reshape(shape, order="F" if fortran else "C").copy(order="K")


class _ArrayProxy:
    """Stands for ``numpy.core.multiarray._reconstruct(ndarray, ...)`` until BUILD."""

    def __init__(self, cls=None, shape=None, code=None):
        if cls is not np.ndarray:
            _refuse(f"array subclass {cls!r}")
        self.array = None

    def __setstate__(self, state):
        # (version, shape, dtype, is_fortran, raw data)
        if not (isinstance(state, tuple) and len(state) == 5):
            _refuse("array state")
        _, shape, dtype, fortran, raw = state
        if not isinstance(fortran, bool):
            _refuse("array order")
        self.array = _from_bytes(raw, _DtypeProxy.resolve(dtype), _shape(shape), fortran)


def _frombuffer(buf, dtype, shape, order):
    """numpy's protocol-5 rebuilder, checked."""
    if order not in ("C", "F"):
        _refuse(f"order {order!r}")
    proxy = _ArrayProxy(np.ndarray)
    proxy.array = _from_bytes(buf, _DtypeProxy.resolve(dtype), _shape(shape), order == "F")
    return proxy


def _scalar(dtype, raw=None):
    proxy = _ArrayProxy(np.ndarray)
    proxy.array = _from_bytes(raw, _DtypeProxy.resolve(dtype), (), False)
    return proxy


_ALLOWED = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): _DtypeProxy,
            ("_codecs", "encode"): lambda text, encoding="latin-1": _encode(text, encoding)}
for _package in ("numpy.core", "numpy._core"):
    _ALLOWED[(f"{_package}.multiarray", "_reconstruct")] = _ArrayProxy
    _ALLOWED[(f"{_package}.multiarray", "scalar")] = _scalar
    _ALLOWED[(f"{_package}.numeric", "_frombuffer")] = _frombuffer


def _encode(text, encoding):
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        _refuse("bytes encoding")
    return text.encode("latin-1")


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the names needed for plain numeric arrays."""

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"global '{module}.{name}' is not allowed: only numpy array data can be loaded"
            ) from None


def load_legacy_pickle(path):
    """Read the book's ``sample_weight.pkl`` (or any pickled dict of numeric arrays) safely.

    An allow-listed unpickler lets numpy rebuild plain arrays and nothing else: a
    pickle that names any other global (``os.system``, ``builtins.eval``, ...)
    raises :class:`pickle.UnpicklingError` before anything runs.  Object arrays
    are refused too.

    Parameters
    ----------
    path : str or os.PathLike
        The pickle file (protocols 2 to 5).

    Returns
    -------
    dict of str to numpy.ndarray
        E.g. ``{"W1": ..., "b1": ..., ...}``, ready for
        :meth:`Network.from_params <nncore.Network.from_params>`.

    Raises
    ------
    pickle.UnpicklingError
        When the pickle refers to anything but numpy array data, or is malformed.
    ValueError
        When it does not hold a dict of str to numeric arrays.
    """
    with open(path, "rb") as f:
        too_big = os.fstat(f.fileno()).st_size > MAX_PICKLE_BYTES
        blob = b"" if too_big else f.read()
    if too_big or len(blob) > MAX_PICKLE_BYTES:
        raise pickle.UnpicklingError(f"{os.fspath(path)}: larger than {MAX_PICKLE_BYTES} bytes, "
                                     "the most load_legacy_pickle reads")
    try:
        check_stream(blob)
        obj = _ArrayUnpickler(io.BytesIO(blob)).load()
    except pickle.UnpicklingError as exc:
        raise pickle.UnpicklingError(f"{os.fspath(path)}: {exc}") from None
    except Exception as exc:  # malformed streams raise many kinds of exceptions
        raise pickle.UnpicklingError(f"{os.fspath(path)}: malformed pickle "
                                     f"({type(exc).__name__}: {exc})") from None
    if not isinstance(obj, dict):
        raise ValueError(f"{os.fspath(path)} must hold a dict of arrays; got {type(obj).__name__}")
    result = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise ValueError(f"{os.fspath(path)}: keys must be strings; got a "
                             f"{type(key).__name__}")
        if not (isinstance(value, _ArrayProxy) and value.array is not None):
            raise ValueError(f"{os.fspath(path)}: {key} must be a numeric array; got "
                             f"{type(value).__name__}")
        result[key] = value.array
    return result
