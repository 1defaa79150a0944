"""OpenMP thread limits that change while nncore runs never end the process.

GNU OpenMP ends the process when it cannot create a thread a parallel region
asked for.  Each scenario runs in a fresh interpreter on the compiled backend,
so an abort fails the test with its output instead of stopping pytest.
"""
import os
import subprocess
import sys

import pytest

from .conftest import KERNEL_MODULES

pytestmark = pytest.mark.skipif(
    "cython" not in KERNEL_MODULES
    or not KERNEL_MODULES["cython"].BUILD_INFO.get("openmp"),
    reason="needs the compiled extension built with OpenMP")

SETUP = """
import ctypes, os, resource, time, numpy as np, nncore
net = nncore.Network.init([784, 50, 10], rng=0)
x = np.random.default_rng(0).random((1024, 784))
want = net.predict(x)            # one thread

def threads_now():
    return len(os.listdir("/proc/self/task"))

BASE = threads_now()   # the interpreter's and NumPy's own threads

def settled(count):
    # threads joined by Python may linger in /proc for a moment
    for _ in range(500):
        if threads_now() == count:
            return True
        time.sleep(0.01)
    return False

def leave_room_for_no_new_thread():
    # a thread's stack is megabytes: with 2 MB of address space left none can start
    size = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status")
                if l.startswith("VmSize"))
    resource.setrlimit(resource.RLIMIT_AS, (size + (2 << 20), resource.RLIM_INFINITY))
"""

SCENARIOS = {
    # the system's allowance shrinks after set_num_threads checked it
    "address space lowered before the first parallel call": SETUP + """
nncore.set_num_threads(2)
leave_room_for_no_new_thread()
assert np.array_equal(net.predict(x), want)
""",
    # the team started while it could be is used again (how many threads the process
    # shows meanwhile is OpenMP's business: what counts is that it lives and is right)
    "address space lowered after the first parallel call": SETUP + """
nncore.set_num_threads(2)
assert np.array_equal(net.predict(x), want)
leave_room_for_no_new_thread()
for _ in range(3):
    assert np.array_equal(net.predict(x), want)
""",
    # another library (threadpoolctl does this) lowers OpenMP's per-thread limit
    "omp_set_num_threads(1) by another library": SETUP + """
nncore.set_num_threads(2)
gomp = next(l.split()[-1] for l in open("/proc/self/maps") if "libgomp" in l)
ctypes.CDLL(gomp).omp_set_num_threads(1)
assert settled(BASE)
assert np.array_equal(net.predict(x), want)
assert settled(BASE), "a thread was started despite omp_set_num_threads(1)"
""",
}


def _run(code, tmp_path, **env):
    return subprocess.run([sys.executable, "-c", code + "\nprint('survived')"],
                          capture_output=True, text=True, cwd=str(tmp_path), timeout=120,
                          env={**os.environ, "NNCORE_IMPLEMENTATION": "cython", **env})


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_lowered_limits_do_not_end_the_process(scenario, tmp_path):
    res = _run(SCENARIOS[scenario], tmp_path)
    assert res.returncode == 0 and res.stdout.strip() == "survived", res.stderr[-2000:]


@pytest.mark.parametrize("limit", ["1", "2"])
def test_omp_thread_limit_caps_the_thread_count(limit, tmp_path):
    code = SETUP + f"""
nncore.set_num_threads(8)
assert nncore.get_num_threads() <= {limit}, nncore.get_num_threads()
assert np.array_equal(net.predict(x), want)
"""
    res = _run(code, tmp_path, OMP_THREAD_LIMIT=limit)
    assert res.returncode == 0 and res.stdout.strip() == "survived", res.stderr[-2000:]


def test_the_guard_never_asks_for_more_than_it_was_given():
    from nncore import _threads

    for wanted in (1, 2, 3):
        got = _threads._team_size(wanted)
        assert 1 <= got <= wanted
    assert _threads._team_size(0) == 1
