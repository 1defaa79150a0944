"""Weight files: nncore's own ``.npz`` format and the book's ``sample_weight.pkl``.

``.npz`` files are read with ``allow_pickle=False``: loading one never runs code.
The book's pickle is read through an unpickler that only lets numpy rebuild plain
numeric arrays; any other global is refused before it can run.
"""
import io
import json
import os
import pickle
import tempfile
import zipfile

import numpy as np

from ._version import __version__

__all__ = ["save", "load", "load_legacy_pickle", "atomic_write", "NetworkFileError"]

FORMAT = "nncore-network"
FORMAT_VERSION = 1


def _umask():
    """The process's umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class atomic_write:
    """Context manager yielding a temporary binary file that replaces ``path`` on success.

    The temporary file lives in the target's folder; it is flushed, synced and
    renamed over ``path`` only when the block finishes without an exception.
    Otherwise it is removed and any earlier file at ``path`` stays intact.
    """

    def __init__(self, path):
        self.path = os.fspath(path)

    def __enter__(self):
        folder = os.path.dirname(os.path.abspath(self.path))
        fd, self.tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(self.path)}.",
                                        suffix=".tmp")
        # mkstemp makes the file private (0600); give it the mode a plain open() would
        try:
            os.chmod(self.tmp, 0o666 & ~_umask())
        except OSError:  # pragma: no cover - filesystems without modes
            pass
        self.file = os.fdopen(fd, "wb")
        return self.file

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.file.flush()
                os.fsync(self.file.fileno())
            self.file.close()
            if exc_type is None:
                os.replace(self.tmp, self.path)
        finally:
            if os.path.exists(self.tmp):
                os.unlink(self.tmp)
        return False


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
    from .network import Network

    if not isinstance(net, Network):
        raise TypeError(f"net must be a nncore.Network; got {type(net).__name__}")
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
            with np.load(fh, allow_pickle=False) as data:
                if "meta" not in data.files:
                    raise _bad(path, "the 'meta' entry is missing")
                meta = json.loads(str(data["meta"][()]))
                arrays = {k: data[k] for k in data.files if k != "meta"}
        except NetworkFileError:
            raise
        except ValueError as exc:
            if "allow_pickle" in str(exc):
                raise _bad(path, "an entry holds pickled object data, which nncore never "
                                 "loads") from None
            raise _bad(path, f"{type(exc).__name__}: {exc}") from None
        except (zipfile.BadZipFile, EOFError, OSError, KeyError) as exc:
            raise _bad(path, f"{type(exc).__name__}: {exc}") from None
    if not isinstance(meta, dict):
        raise _bad(path, "its metadata is not a JSON object")
    return meta, arrays


def load(path):
    """Read a network written by :meth:`Network.save <nncore.Network.save>`.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file.

    Returns
    -------
    Network

    Raises
    ------
    ValueError
        When the file is not a complete nncore network file: not a zip archive,
        truncated, a missing or unexpected entry, an array of the wrong shape or
        dtype, or unreadable metadata.  The message names the problem.
    FileNotFoundError
        When there is no file at ``path``.
    """
    from .network import Dense, Network

    meta, arrays = _read_npz(path)
    if meta.get("format") != FORMAT:
        raise _bad(path, "its metadata does not say format 'nncore-network'")
    if meta.get("format_version") != FORMAT_VERSION:
        raise _bad(path, f"format_version {meta.get('format_version')!r} is not supported "
                         f"(this nncore reads {FORMAT_VERSION})")
    try:
        sizes = [int(s) for s in meta["sizes"]]
        activations = list(meta["activations"])
        output = meta["output"]
        dtype = np.dtype(meta["dtype"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(path, f"incomplete metadata ({type(exc).__name__}: {exc})") from None
    n = len(sizes) - 1
    if n < 1 or len(activations) != n:
        raise _bad(path, f"metadata lists {len(sizes)} sizes and {len(activations)} activations")
    expected = {f"{p}{i}" for i in range(1, n + 1) for p in "Wb"}
    if set(arrays) != expected:
        missing, extra = sorted(expected - set(arrays)), sorted(set(arrays) - expected)
        raise _bad(path, (f"missing {missing}" if missing else "")
                   + ("; " if missing and extra else "") + (f"unexpected {extra}" if extra else ""))
    layers = []
    for i in range(1, n + 1):
        W, b = arrays[f"W{i}"], arrays[f"b{i}"]
        for name, a, shape in ((f"W{i}", W, (sizes[i - 1], sizes[i])), (f"b{i}", b, (sizes[i],))):
            if a.shape != shape:
                raise _bad(path, f"{name} has shape {a.shape}, expected {shape}")
            if a.dtype != dtype:
                raise _bad(path, f"{name} has dtype {a.dtype}, expected {dtype}")
        try:
            layers.append(Dense(W, b, activations[i - 1]))
        except (TypeError, ValueError) as exc:
            raise _bad(path, f"layer {i}: {exc}") from None
    try:
        return Network(layers, output=output)
    except (TypeError, ValueError) as exc:
        raise _bad(path, str(exc)) from None


# ------------------------------------------------------------------ legacy pickle

def _numpy_core(name):
    import importlib

    for package in ("numpy._core", "numpy.core"):
        try:
            return importlib.import_module(f"{package}.{name}")
        except ImportError:
            continue
    raise ImportError(f"numpy has no core module {name!r}")  # pragma: no cover


def _plain_dtype(*args, **kwargs):
    dt = np.dtype(*args, **kwargs)
    if dt.hasobject:
        raise pickle.UnpicklingError("object arrays are refused: they can hold arbitrary objects")
    return dt


def _allowed_globals():
    multiarray = _numpy_core("multiarray")
    numeric = _numpy_core("numeric")
    allowed = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): _plain_dtype,
        ("_codecs", "encode"): __import__("codecs").encode,  # protocol 2 writes bytes this way
    }
    for package in ("numpy.core", "numpy._core"):
        allowed[(f"{package}.multiarray", "_reconstruct")] = multiarray._reconstruct
        allowed[(f"{package}.multiarray", "scalar")] = multiarray.scalar
        if hasattr(numeric, "_frombuffer"):
            allowed[(f"{package}.numeric", "_frombuffer")] = numeric._frombuffer
    return allowed


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the numpy globals needed for plain arrays."""

    _allowed = None

    def find_class(self, module, name):
        if _ArrayUnpickler._allowed is None:
            _ArrayUnpickler._allowed = _allowed_globals()
        try:
            return self._allowed[(module, name)]
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
        blob = f.read()
    try:
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
            raise ValueError(f"{os.fspath(path)}: keys must be strings; got {key!r}")
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
            raise ValueError(f"{os.fspath(path)}: {key} must be a numeric array; got "
                             f"{type(value).__name__}")
        result[key] = value
    return result
