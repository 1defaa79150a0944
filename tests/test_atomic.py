"""Atomic writes: a killed writer leaves the old complete file and nothing else."""
import os
import select
import signal
import subprocess
import sys

import pytest

from nncore import _atomic
from nncore._atomic import atomic_write

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and pass_fds are POSIX")

# The child writes part of the new file, says so on one pipe, then blocks reading
# another that is never written: it is killed mid-write, deterministically.
_CHILD = """
import os, sys
from nncore import _atomic
ready, block, how, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
if how == "named":
    _atomic._open_unnamed = lambda folder: None
with _atomic.atomic_write(path) as f:
    f.write(b"new and incomplete")
    f.flush()
    os.write(ready, b"1")
    os.read(block, 1)
"""


def _kill_mid_write(path, how):
    """Run the child until it is inside the write, list the folder, SIGKILL it."""
    ready_r, ready_w = os.pipe()
    block_r, block_w = os.pipe()
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(ready_w), str(block_r), how, str(path)],
        pass_fds=(ready_w, block_r),
        cwd=os.path.dirname(path))  # not the source checkout: the installed nncore
    os.close(ready_w)
    os.close(block_r)
    try:
        # a bound on the wait, so that a broken child fails the test instead of hanging it
        readable, _, _ = select.select([ready_r], [], [], 120)
        assert readable and os.read(ready_r, 1) == b"1", "the child never started writing"
        during = sorted(os.listdir(path.parent))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        os.close(ready_r)
        os.close(block_w)
    assert child.returncode == -signal.SIGKILL
    return during


def test_sigkill_mid_write_leaves_only_the_old_file(tmp_path):
    fd = _atomic._open_unnamed(str(tmp_path))
    if fd is None:
        pytest.skip("no O_TMPFILE here: the named fallback is tested below")
    os.close(fd)
    path = tmp_path / "model.npz"
    path.write_bytes(b"old and complete")
    during = _kill_mid_write(path, "unnamed")
    assert during == ["model.npz"], "the file being written had a name"
    assert os.listdir(tmp_path) == ["model.npz"]
    assert path.read_bytes() == b"old and complete"


def test_sigkill_mid_write_named_fallback_is_cleaned_by_the_next_write(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"old and complete")
    during = _kill_mid_write(path, "named")
    stray = [name for name in during if name != "model.npz"]
    assert len(stray) == 1 and _atomic.is_temporary(stray[0], "model.npz")
    assert path.read_bytes() == b"old and complete"
    with atomic_write(path) as f:
        f.write(b"newer")
    assert os.listdir(tmp_path) == ["model.npz"]
    assert path.read_bytes() == b"newer"


def test_temporary_files_of_live_processes_and_other_hosts_are_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    tag = _atomic._host_tag()
    names = {
        "dead": f".a.npz.nncore-tmp-{tag}-{dead.pid}-00000000",
        "live": f".a.npz.nncore-tmp-{tag}-1-00000000",  # pid 1 always exists
        "other host": ".a.npz.nncore-tmp-zzzzzzzz-" + f"{dead.pid}-00000000",
        "other file": f".b.npz.nncore-tmp-{tag}-{dead.pid}-00000000",
    }
    for name in names.values():
        (tmp_path / name).write_bytes(b"x")
    assert _atomic.remove_stale(str(tmp_path), "a.npz") == [names["dead"]]
    assert sorted(os.listdir(tmp_path)) == sorted(v for k, v in names.items() if k != "dead")


@pytest.mark.parametrize("how", ["unnamed", "named"])
def test_an_exception_discards_the_new_file(tmp_path, monkeypatch, how):
    if how == "named":
        monkeypatch.setattr(_atomic, "_open_unnamed", lambda folder: None)
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(path) as f:
            f.write(b"partial")
            raise RuntimeError("interrupted")
    assert os.listdir(tmp_path) == ["f.bin"] and path.read_bytes() == b"old"
    with atomic_write(path) as f:
        f.write(b"new")
    assert os.listdir(tmp_path) == ["f.bin"] and path.read_bytes() == b"new"


@pytest.mark.parametrize("how", ["unnamed", "named"])
def test_new_files_follow_the_umask_and_replaced_ones_keep_their_mode(tmp_path, monkeypatch,
                                                                       how):
    if how == "named":
        monkeypatch.setattr(_atomic, "_open_unnamed", lambda folder: None)
    path = tmp_path / "f.bin"
    old = os.umask(0o027)
    try:
        with atomic_write(path) as f:
            f.write(b"1")
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o640
    os.chmod(path, 0o604)
    with atomic_write(path) as f:
        f.write(b"2")
    assert os.stat(path).st_mode & 0o777 == 0o604
