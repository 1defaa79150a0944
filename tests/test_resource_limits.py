"""Sizes that cannot fit in memory are refused before anything is allocated."""
import os
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

import nncore
from nncore import _memory

SCRIPT = os.path.join(os.path.dirname(sys.executable), "nncore")


@pytest.fixture
def little_memory(monkeypatch):
    """The process can get 8 MiB more."""
    monkeypatch.setattr(_memory, "available_bytes", lambda: 8 << 20)


def _peak_while(call):
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize("sizes", [[784, 5000, 10], [10, 10, 300000], [3000, 3000],
                                   [784, 100, 100, 100, 20000]])
def test_init_refuses_before_allocating(little_memory, sizes, dtype):
    def call():
        with pytest.raises(nncore.TooLargeError, match=r"Network.init: sizes .* GiB") as info:
            nncore.Network.init(sizes, dtype=dtype)
        assert isinstance(info.value, MemoryError) and isinstance(info.value, ValueError)
    assert _peak_while(call) < 1 << 20


def test_init_within_the_limit_works(little_memory, dtype):
    net = nncore.Network.init([784, 50, 10], dtype=dtype, rng=0)
    assert net.sizes == [784, 50, 10]


@pytest.mark.parametrize("kwargs", [dict(batch_size=10**7, replacement=True),
                                    dict(batch_size=10**12, replacement=True),
                                    dict(batch_size=10**6, replacement=True, optimizer="adam")])
def test_fit_refuses_a_batch_that_cannot_fit(backend, little_memory, kwargs, dtype):
    net = nncore.Network.init([20, 30, 3], dtype=dtype, rng=0)
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(nncore.TooLargeError, match="batch_size"):
        net.fit(np.ones((4, 20), dtype), [0, 1, 2, 0], epochs=1, progress=False, **kwargs)
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


def test_fit_caps_the_batch_at_the_samples_without_replacement(backend, little_memory):
    net = nncore.Network.init([20, 30, 3], rng=0)
    history = net.fit(np.ones((4, 20)), [0, 1, 2, 0], epochs=1, batch_size=10**12,
                      progress=False)
    assert history.epochs == 1


def test_the_estimates_grow_with_the_request():
    small = _memory.network_bytes([784, 50, 10], 4)
    assert small >= (784 * 50 + 50 + 50 * 10 + 10) * 4
    assert _memory.network_bytes([784, 50, 10], 8) > small
    assert _memory.training_bytes([784, 50, 10], 4, 100, "adam") > \
        _memory.training_bytes([784, 50, 10], 4, 100, "sgd")
    assert _memory.training_bytes([784, 50, 10], 4, 1000, "sgd") > \
        _memory.training_bytes([784, 50, 10], 4, 100, "sgd")
    room = _memory.available_bytes()
    assert room is None or room > 0


LIMITED = """
import os, resource, nncore
size = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmSize"))
resource.setrlimit(resource.RLIMIT_AS, (size + (256 << 20), resource.RLIM_INFINITY))
from nncore import _memory
assert _memory.available_bytes() <= 256 << 20
try:
    nncore.Network.init([784, 100000, 10])      # 630 MB of float64 weights
except nncore.TooLargeError as exc:
    print("refused:", exc)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc")
def test_an_address_space_limit_is_respected(tmp_path):
    res = subprocess.run([sys.executable, "-c", LIMITED], capture_output=True, text=True,
                         cwd=str(tmp_path), timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("refused: Network.init: sizes [784, 100000, 10]"), res.stdout


@pytest.mark.parametrize("args", [["--hidden", "100000000"],
                                  ["--hidden", "100", "200000", "200000"],
                                  ["--hidden", "300000", "--batch-size", "60000", "--optimizer",
                                   "sgd"]])
def test_the_command_refuses_in_one_line(args, tmp_path):
    res = subprocess.run([SCRIPT, "train", *args], capture_output=True, text=True,
                         cwd=str(tmp_path), timeout=120,
                         env={**os.environ, "NNCORE_DATA": str(tmp_path / "no-data"),
                              "NNCORE_MNIST_MIRRORS": "http://127.0.0.1:9/"})
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and res.stderr.count("\n") == 1, res.stderr
    assert res.stderr.startswith("nncore train: error: --hidden") and "GiB" in res.stderr
    assert not (tmp_path / "no-data").exists()  # refused before any data was loaded
