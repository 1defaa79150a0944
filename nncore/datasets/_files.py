"""Where MNIST files live, how they are verified, and how missing ones are downloaded.

Every file is pinned by size and SHA-256.  A download is hashed while it streams
into a temporary file in the data folder and renamed into place only when it
verifies, so a folder never holds a partial or wrong file under a real name, and
two processes downloading at once both end with verified files.
"""
import hashlib
import os
import sys
import threading
import urllib.error
import urllib.request

from .. import _environment
from .._atomic import atomic_write, is_temporary

#: name -> (gzip size in bytes, SHA-256), as published for the original database
FILES = {
    "train-images-idx3-ubyte.gz": (
        9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train-labels-idx1-ubyte.gz": (
        28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "t10k-images-idx3-ubyte.gz": (
        1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "t10k-labels-idx1-ubyte.gz": (
        4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}
SPLITS = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
#: Tried in order; the original host no longer serves the files.
DEFAULT_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
SHIPPED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
_CHUNK = 1 << 16
#: The slowest transfer accepted (bytes per second): a mirror gets ``timeout`` seconds
#: plus the file's size at this rate to deliver the whole file.
MIN_RATE = 64 << 10


class DatasetDownloadError(OSError):
    """A dataset file is missing and could not be downloaded from any mirror."""


def get_data_home(data_home=None):
    """The folder holding the MNIST files.

    ``data_home`` if given, else the ``NNCORE_DATA`` environment variable, else a
    per-user data folder: ``$XDG_DATA_HOME/nncore/mnist`` (``~/.local/share/...``)
    on Linux, ``~/Library/Application Support/nncore/mnist`` on macOS and
    ``%LOCALAPPDATA%\\nncore\\mnist`` on Windows.  Never the package's folder.
    """
    if data_home is None:
        data_home = _environment.data_home()
    if data_home is not None:
        return os.path.abspath(os.path.expanduser(os.fspath(data_home)))
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return os.path.join(base, "nncore", "mnist")


def mirrors_from(mirrors=None):
    """The mirror list: the argument, else ``NNCORE_MNIST_MIRRORS`` (comma separated)."""
    if mirrors is None:
        mirrors = _environment.mirrors() or DEFAULT_MIRRORS
    if isinstance(mirrors, str):
        mirrors = [mirrors]
    return [m if m.endswith("/") else m + "/" for m in mirrors]


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def verified(path, name):
    """True when ``path`` exists with the pinned size and SHA-256 of ``name``."""
    size, digest = FILES[name]
    return (os.path.isfile(path) and os.path.getsize(path) == size
            and sha256_of(path) == digest)


def _mismatch(path, name):
    """What is wrong with a file that is there but fails verification."""
    size, digest = FILES[name]
    got = os.path.getsize(path) if os.path.isfile(path) else None
    if got != size:
        return f"{path} is damaged: {got} bytes where {name} has {size} (checksum mismatch)"
    return f"{path} is damaged: checksum mismatch (sha256 {sha256_of(path)}, expected {digest})"


def _guidance(name, folder):
    size, digest = FILES[name]
    return (f"Place {name} ({size} bytes, sha256 {digest}) in {folder} by hand, or point "
            f"data_home= or NNCORE_DATA at a folder that holds it.")


def _fetch(url, name, folder, timeout):
    """Download ``url`` into ``folder/name`` within a deadline; raise if it fails or is late.

    ``timeout`` bounds each socket operation; the whole download must finish
    within ``timeout + size / MIN_RATE`` seconds.  It runs in a worker thread so
    that a mirror dribbling bytes (each read in time, the whole never) cannot
    hold the caller past that deadline; a late worker stops at its next read and
    removes its partial file.
    """
    deadline = timeout + FILES[name][0] / MIN_RATE
    cancel = threading.Event()
    failure = []

    def work():
        try:
            _download(url, name, folder, timeout, cancel)
        except BaseException as exc:  # reported by the caller  # noqa: BLE001
            if isinstance(exc, urllib.error.HTTPError):
                exc.close()  # it holds the connection
            failure.append(exc)

    worker = threading.Thread(target=work, name=f"nncore-download-{name}", daemon=True)
    worker.start()
    worker.join(deadline)
    if worker.is_alive():
        cancel.set()
        raise TimeoutError(f"the whole file did not arrive within {deadline:.1f} s")
    if failure:
        raise failure[0]


def _download(url, name, folder, timeout, cancel):
    """Stream ``url`` into a temporary file, verify it, put it in place (atomic_write)."""
    size, digest = FILES[name]
    h = hashlib.sha256()
    got = 0
    with atomic_write(os.path.join(folder, name)) as out, \
            urllib.request.urlopen(url, timeout=timeout) as resp:
        while not cancel.is_set():
            chunk = resp.read1(_CHUNK)  # what one receive brings, not a full chunk
            if not chunk:
                break
            got += len(chunk)
            if got > size:
                raise ValueError(f"more than the expected {size} bytes")
            h.update(chunk)
            out.write(chunk)
        if cancel.is_set():
            raise TimeoutError("cancelled at the deadline")
        if got != size:
            raise ValueError(f"short read: {got} of {size} bytes")
        if h.hexdigest() != digest:
            raise ValueError(f"sha256 mismatch: got {h.hexdigest()}")


def ensure(name, data_home=None, download=True, mirrors=None, timeout=30.0):
    """Path of a verified copy of ``name``, downloading it when missing.

    The shipped test split is used when the data folder does not hold it.
    """
    folder = get_data_home(data_home)
    path = os.path.join(folder, name)
    damaged = ""
    if os.path.exists(path):
        if verified(path, name):
            return path
        damaged = _mismatch(path, name)
        if not download:
            raise DatasetDownloadError(damaged + ". " + _guidance(name, folder))
    shipped = os.path.join(SHIPPED, name)
    if not os.path.exists(path) and os.path.exists(shipped):
        if not verified(shipped, name):
            raise DatasetDownloadError(f"the shipped copy {shipped} is damaged: reinstall nncore")
        return shipped
    if not download:
        raise DatasetDownloadError(f"{name} is not in {folder} and download=False. "
                                   + _guidance(name, folder))
    os.makedirs(folder, exist_ok=True)
    errors = []
    for mirror in mirrors_from(mirrors):
        try:
            _fetch(mirror + name, name, folder, timeout)
            return path
        except Exception as exc:  # any failure of one mirror (http.client's too): the next
            errors.append(f"  {mirror}{name}: {type(exc).__name__}: {exc}")
    raise DatasetDownloadError(
        (f"{damaged}, and no mirror delivered a verified copy to replace it:\n" if damaged
         else f"could not download {name} from any mirror:\n")
        + "\n".join(errors or ["  (no mirrors)"]) + "\n" + _guidance(name, folder)
    )


def clear_data_home(data_home=None):
    """Remove the MNIST files (and leftover partial downloads) from the data folder.

    Only files nncore itself writes are removed; the folder and anything else in
    it stay.  Returns the list of removed paths.
    """
    folder = get_data_home(data_home)
    removed = []
    if not os.path.isdir(folder):
        return removed
    for entry in os.listdir(folder):
        # partial downloads: atomic_write's temporary files, and the ``.part`` files
        # of earlier versions
        ours = entry in FILES or any(
            is_temporary(entry, name) or (entry.startswith(f".{name}.") and entry.endswith(".part"))
            for name in FILES)
        if ours:
            os.unlink(os.path.join(folder, entry))
            removed.append(os.path.join(folder, entry))
    return sorted(removed)
