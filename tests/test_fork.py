"""Threads and processes: forked children work, thread limits never end the process.

Each scenario runs in a fresh interpreter (a hang or an abort there fails the
test with its output instead of stopping pytest), with the backend under test.
"""
import os
import subprocess
import sys

import pytest

from .conftest import KERNEL_MODULES

SETUP = """
import os, sys, numpy as np, nncore
net = nncore.Network.init([784, 50, 10], rng=0)
x = np.random.default_rng(0).random((1024, 784))
nncore.set_num_threads(2)
want = net.predict(x)            # the thread pool (if any) now exists in the parent
"""

SCENARIOS = {
    "os.fork": SETUP + """
pid = os.fork()
if pid == 0:
    ok = np.array_equal(net.predict(x), want) and nncore.get_num_threads() == 1
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
print("survived")
""",
    "multiprocessing fork pool": SETUP + """
import multiprocessing as mp
def work(i):
    return net.predict(x[i * 300:(i + 1) * 300])
with mp.get_context("fork").Pool(2) as pool:
    parts = pool.map(work, range(3))
assert all(np.array_equal(p, net.predict(x[i * 300:(i + 1) * 300])) for i, p in enumerate(parts))
print("survived")
""",
    "fork then threads again in the child": SETUP + """
pid = os.fork()
if pid == 0:
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nncore.set_num_threads(2)
    ok = np.array_equal(net.predict(x), want) and any("forked" in str(w.message) for w in caught)
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
print("survived")
""",
}


def _run(code, impl, tmp_path):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=str(tmp_path), timeout=120,
                          env={**os.environ, "NNCORE_IMPLEMENTATION": impl})


@pytest.mark.parametrize("impl", sorted(KERNEL_MODULES))
@pytest.mark.parametrize("scenario", ["os.fork", "multiprocessing fork pool",
                                      "fork then threads again in the child"])
def test_forked_children_predict(impl, scenario, tmp_path):
    res = _run(SCENARIOS[scenario], impl, tmp_path)
    assert res.returncode == 0 and res.stdout.strip() == "survived", res.stderr[-2000:]


@pytest.mark.parametrize("impl", sorted(KERNEL_MODULES))
def test_thread_counts_are_capped(impl, tmp_path):
    code = """
import os, numpy as np, nncore
nncore.set_num_threads(1000)
n = nncore.get_num_threads()
assert 1 <= n <= len(os.sched_getaffinity(0)), n
net = nncore.Network.init([784, 20, 10], rng=0)
x = np.random.default_rng(0).random((2048, 784))
assert np.array_equal(net.predict(x), np.concatenate([net.predict(x[:1000]), net.predict(x[1000:])]))
print("survived")
"""
    res = _run(code, impl, tmp_path)
    assert res.returncode == 0 and res.stdout.strip() == "survived", res.stderr[-2000:]


def test_thread_creation_failure_is_a_warning_not_an_abort(tmp_path):
    from nncore import _threads

    calls = []

    class NoThreads:
        def __init__(self, *args, **kwargs):
            pass

        def start(self):
            calls.append(1)
            raise RuntimeError("can't start new thread")

    import threading
    original = threading.Thread
    threading.Thread = NoThreads
    try:
        assert _threads._startable_threads(3) == 0
    finally:
        threading.Thread = original
    assert calls == [1]
    assert _threads._startable_threads(1) == 1
