"""Writing a file atomically: readers see the old complete file or the new complete file.

:class:`atomic_write` yields a binary file that takes the target's place only
when the ``with`` block finishes without an exception; the data is synced
before the rename, so a crash cannot leave a half-written file under the real
name.  Where the kernel offers ``O_TMPFILE`` (Linux), the file being written
has no name at all until it is complete: a process killed mid-write (even by
SIGKILL) leaves nothing behind.  Elsewhere the temporary file is named
``.<name>.nncore-tmp-<host>-<pid>-<random>`` beside the target, and the next
write to that folder removes the ones whose process is gone.
"""
import errno
import hashlib
import os
import secrets
import socket

__all__ = ["atomic_write", "is_temporary"]

_MARK = ".nncore-tmp-"
#: Errors that mean "this filesystem or kernel has no O_TMPFILE": use a named file.
_NO_TMPFILE = (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT)


def _host_tag():
    """Eight hex digits naming this machine: a pid means something only on its own host."""
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _temporary_name(name, pid=None):
    return f".{name}{_MARK}{_host_tag()}-{os.getpid() if pid is None else pid}-" \
           f"{secrets.token_hex(4)}"


def is_temporary(entry, name):
    """True when ``entry`` (a file name) is a temporary file of a write to ``name``."""
    return entry.startswith(f".{name}{_MARK}")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists, under another user
        return True
    return True


def remove_stale(folder, name):
    """Remove temporary files of writes to ``name`` whose process on this host is gone.

    Returns the removed names.  Only POSIX systems can ask whether a pid lives
    without side effects, so elsewhere nothing is removed.
    """
    removed = []
    if os.name != "posix":
        return removed
    prefix = f".{name}{_MARK}{_host_tag()}-"
    try:
        entries = os.listdir(folder)
    except OSError:
        return removed
    for entry in entries:
        if not entry.startswith(prefix):
            continue
        pid = entry[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            try:
                os.unlink(os.path.join(folder, entry))
                removed.append(entry)
            except FileNotFoundError:  # another writer removed it first
                pass
    return removed


def _open_unnamed(folder):
    """A file descriptor of a new unnamed file in ``folder``, or None where there is none."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as exc:
        if exc.errno in _NO_TMPFILE:
            return None
        raise


def _open_named(folder, name):
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = os.path.join(folder, _temporary_name(name))
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue


class atomic_write:
    """Context manager yielding a binary file that replaces ``path`` on success.

    The file is written in the target's folder (so the final rename cannot
    cross filesystems), flushed, synced and put in place only when the block
    finishes without an exception; otherwise it is discarded and any earlier
    file at ``path`` stays intact.  A new file gets the mode a plain ``open``
    would give it; a replaced file keeps its mode.

    Examples
    --------
    >>> import os, tempfile
    >>> from nncore._atomic import atomic_write
    >>> path = os.path.join(tempfile.mkdtemp(), "hello.txt")
    >>> with atomic_write(path) as f:
    ...     _ = f.write(b"hello")
    >>> with open(path, "rb") as f:
    ...     f.read(), os.listdir(os.path.dirname(path))
    (b'hello', ['hello.txt'])
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        self.file = None
        self.tmp = None

    def __enter__(self):
        folder = os.path.dirname(os.path.abspath(self.path))
        name = os.path.basename(self.path)
        remove_stale(folder, name)
        fd = _open_unnamed(folder)
        if fd is None:
            fd, self.tmp = _open_named(folder, name)
        try:
            try:
                mode = os.stat(self.path).st_mode & 0o7777
            except FileNotFoundError:
                mode = None  # the mode os.open gave: 0o666 less the umask
            if mode is not None:
                if self.tmp is None:
                    os.fchmod(fd, mode)
                else:
                    os.chmod(self.tmp, mode)
        except OSError:  # pragma: no cover - filesystems without modes
            pass
        self.file = os.fdopen(fd, "wb")
        return self.file

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.file.flush()
                os.fsync(self.file.fileno())
                if self.tmp is None:
                    self._name_unnamed()
                os.replace(self.tmp, self.path)
                self.tmp = None
        finally:
            self.file.close()
            if self.tmp is not None and os.path.exists(self.tmp):
                os.unlink(self.tmp)
        return False

    def _name_unnamed(self):
        """Give the complete unnamed file a temporary name, to be renamed over the target.

        ``linkat`` with ``AT_SYMLINK_FOLLOW`` on ``/proc/self/fd/N`` names an
        ``O_TMPFILE`` file; passing the folder as a descriptor makes ``os.link``
        call ``linkat`` (with none it calls ``link``, which does not follow).
        """
        folder = os.path.dirname(os.path.abspath(self.path))
        source = f"/proc/self/fd/{self.file.fileno()}"
        folder_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            while True:
                name = _temporary_name(os.path.basename(self.path))
                try:
                    os.link(source, name, dst_dir_fd=folder_fd, follow_symlinks=True)
                except FileExistsError:  # pragma: no cover - 32 random bits collided
                    continue
                self.tmp = os.path.join(folder, name)
                return
        finally:
            os.close(folder_fd)
