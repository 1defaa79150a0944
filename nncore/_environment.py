"""nncore's environment variables, each read and checked in one place.

A value nncore cannot use raises :class:`EnvironmentVariableError`, whose message
names the variable, the value found and the values accepted.  Variables read at
import (``NNCORE_IMPLEMENTATION``, ``NNCORE_SIMD``, ``NNCORE_NUM_THREADS``) make
``import nncore`` fail; the others fail the call that reads them.  An unset or
empty variable means the default.
"""
import os

IMPLEMENTATIONS = ("auto", "cython", "python")
MIRROR_SCHEMES = ("http", "https", "ftp", "file")


class EnvironmentVariableError(ImportError, ValueError):
    """An ``NNCORE_*`` environment variable holds a value nncore does not accept.

    Both an :class:`ImportError` (what ``import nncore`` raises for the variables
    read at import) and a :class:`ValueError` (what a call raises for the others).

    Examples
    --------
    >>> import os
    >>> from nncore._environment import EnvironmentVariableError, num_threads
    >>> os.environ["NNCORE_NUM_THREADS"] = "many"
    >>> try:
    ...     num_threads()
    ... except EnvironmentVariableError as exc:
    ...     print(exc)
    NNCORE_NUM_THREADS must be a positive integer (or empty for 1); got 'many'
    >>> del os.environ["NNCORE_NUM_THREADS"]
    """


def _raw(name):
    return os.environ.get(name, "").strip()


def _refuse(name, accepted, value):
    raise EnvironmentVariableError(f"{name} must be {accepted}; got {value!r}")


def implementation():
    """``NNCORE_IMPLEMENTATION``: ``"auto"`` (default), ``"cython"`` or ``"python"``."""
    value = _raw("NNCORE_IMPLEMENTATION").lower() or "auto"
    if value not in IMPLEMENTATIONS:
        _refuse("NNCORE_IMPLEMENTATION", f"one of {', '.join(IMPLEMENTATIONS)}", value)
    return value


def simd():
    """``NNCORE_SIMD``, lower-cased (default ``"auto"``); the compiled kernels check the
    name against the levels of the build and the CPU."""
    value = _raw("NNCORE_SIMD").lower() or "auto"
    if "\0" in value:
        _refuse("NNCORE_SIMD", "an instruction-set level such as auto or avx2", value)
    return value


def num_threads():
    """``NNCORE_NUM_THREADS``: a positive integer, or None when unset."""
    value = _raw("NNCORE_NUM_THREADS")
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        _refuse("NNCORE_NUM_THREADS", "a positive integer (or empty for 1)", value)
    return number


def data_home():
    """``NNCORE_DATA``: the folder of the MNIST files, or None when unset.

    The folder need not exist yet (downloads create it), but it must not be a file.
    """
    value = os.environ.get("NNCORE_DATA", "")
    if not value.strip():
        return None
    if "\0" in value:
        _refuse("NNCORE_DATA", "a folder path", value)
    path = os.path.expanduser(value)
    if os.path.exists(path) and not os.path.isdir(path):
        _refuse("NNCORE_DATA", "a folder (it names a file)", value)
    return path


def mirrors():
    """``NNCORE_MNIST_MIRRORS``: a list of base URLs (comma or space separated), or None."""
    value = _raw("NNCORE_MNIST_MIRRORS")
    if not value:
        return None
    found = [m for m in value.replace(" ", ",").split(",") if m]
    for mirror in found:
        scheme = mirror.partition("://")[0].lower() if "://" in mirror else ""
        if scheme not in MIRROR_SCHEMES:
            _refuse("NNCORE_MNIST_MIRRORS", "base URLs starting with "
                    + ", ".join(f"{s}://" for s in MIRROR_SCHEMES), value)
    return found
