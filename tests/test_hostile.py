"""Hostile input: every public entry point against every bad kind of argument.

Each call must either work or raise TypeError/ValueError (or a documented nncore
exception) whose message names the argument; inputs must be unchanged afterwards.
Cases that could crash a careless compiled kernel also run in a subprocess whose
exit status is checked, so a segfault fails the test instead of killing pytest.
"""
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import nncore
from nncore.datasets import load_mnist_csv

NET = nncore.Network.init([4, 3, 2], rng=0)


def _memmap(tmp_dir):
    path = os.path.join(tmp_dir, "x.dat")
    np.arange(12, dtype=np.float64).reshape(3, 4).tofile(path)
    return np.memmap(path, dtype=np.float64, mode="r", shape=(3, 4))


def bad_arrays(tmp_dir):
    """name -> a hostile value for an array argument."""
    ro = np.ones((3, 4))
    ro.flags.writeable = False
    return {
        "0-d": np.float64(1.0),
        "1-d wrong width": np.ones(5),
        "3-d": np.ones((2, 3, 4)),
        "wrong width": np.ones((3, 5)),
        "empty batch": np.ones((0, 4)),
        "zero width": np.ones((3, 0)),
        "complex": np.ones((3, 4), complex),
        "object": np.array([[object()] * 4] * 3, dtype=object),
        "string": np.array([["a"] * 4] * 3),
        "datetime": np.array([["2020-01-01"] * 4] * 3, dtype="datetime64[D]"),
        "bool": np.ones((3, 4), bool),
        "int": np.ones((3, 4), np.int32),
        "float16": np.ones((3, 4), np.float16),
        "nan": np.full((3, 4), np.nan),
        "inf": np.full((3, 4), np.inf),
        "-inf": np.full((3, 4), -np.inf),
        "ragged": [[1.0, 2.0, 3.0, 4.0], [1.0]],
        "negative strides": np.arange(24.0).reshape(6, 4)[::-2],
        "fortran": np.asfortranarray(np.ones((3, 4))),
        "readonly": ro,
        "memmap r": _memmap(tmp_dir),
        "None": None,
        "string scalar": "abc",
        "huge declared": np.lib.stride_tricks.as_strided(np.zeros(1), shape=(2**40, 4),
                                                         strides=(0, 0)),
    }


ARRAY_ENTRY_POINTS = {
    "sigmoid": lambda a: nncore.sigmoid(a),
    "relu(out=a)": lambda a: nncore.relu(a, out=a),
    "tanh": lambda a: nncore.tanh(a),
    "step_function": lambda a: nncore.step_function(a),
    "identity_function": lambda a: nncore.identity_function(a),
    "softmax": lambda a: nncore.softmax(a),
    "softmax(axis=0)": lambda a: nncore.softmax(a, axis=0),
    "affine(x)": lambda a: nncore.affine(a, np.ones((4, 2)), np.zeros(2)),
    "affine(W)": lambda a: nncore.affine(np.ones((3, 3)), a, np.zeros(4)),
    "affine(b)": lambda a: nncore.affine(np.ones((2, 4)), np.ones((4, 4)), a),
    "Dense(W)": lambda a: nncore.Dense(a, np.zeros(4)),
    "Perceptron(w)": lambda a: nncore.Perceptron(a, 0.0),
    "Perceptron.predict": lambda a: nncore.Perceptron([1.0, 1.0, 1.0, 1.0], 0.0).predict(a),
    "AND": lambda a: nncore.AND(a, a),
    "predict": lambda a: NET.predict(a),
    "classify": lambda a: NET.classify(a),
    "accuracy(x)": lambda a: NET.accuracy(a, [0, 1, 0]),
    "accuracy(t)": lambda a: NET.accuracy(np.ones((3, 4)), a),
    "loss(x)": lambda a: NET.loss(a, [0, 1, 0]),
    "gradient(t)": lambda a: NET.gradient(np.ones((3, 4)), a),
    "fit(x)": lambda a: nncore.Network.init([4, 2], rng=0).fit(a, [0, 1, 0], epochs=1,
                                                             progress=False),
    "fit(t)": lambda a: nncore.Network.init([4, 2], rng=0).fit(np.ones((3, 4)), a, epochs=1,
                                                             progress=False),
    "mean_squared_error": lambda a: nncore.mean_squared_error(a, a),
    "cross_entropy_error": lambda a: nncore.cross_entropy_error(a, [0, 1, 0]),
    "numerical_gradient": lambda a: nncore.numerical_gradient(lambda v: 0.0, a),
    "from_params": lambda a: nncore.Network.from_params({"W1": a, "b1": np.zeros(2)}),
}
ALLOWED = (TypeError, ValueError, MemoryError)
ARG_WORDS = ("x", "W", "b", "t", "w", "y", "x1", "x2", "out", "params", "labels", "X")


def _snapshot(value):
    if isinstance(value, np.ndarray) and value.size < 10**6:
        return np.array(value, copy=True)
    return None


@pytest.mark.parametrize("entry", sorted(ARRAY_ENTRY_POINTS))
def test_array_entry_points(backend, entry, tmp_path):
    fn = ARRAY_ENTRY_POINTS[entry]
    tried = 0
    for kind, value in bad_arrays(str(tmp_path)).items():
        if entry == "relu(out=a)" and kind in ("memmap r", "readonly"):
            with pytest.raises(ValueError, match="out is read-only"):
                fn(value)
            continue
        before = _snapshot(value)
        try:
            fn(value)
        except ALLOWED as exc:
            message = str(exc)
            assert message, f"{entry} / {kind}: empty message"
            assert any(f"{w} " in message or message.startswith(w) for w in ARG_WORDS) \
                or "sample" in message or "layer" in message or "Unable to allocate" in message, \
                f"{entry} / {kind}: message does not name the argument: {message}"
        tried += 1
        if before is not None and entry != "relu(out=a)":
            np.testing.assert_array_equal(np.asarray(value), before,
                                          err_msg=f"{entry} / {kind}: input modified")
    assert tried >= 20


def test_nan_and_inf_weights(backend):
    def net_with(W1):
        return nncore.Network([nncore.Dense(W1, np.zeros(3)),
                               nncore.Dense(np.ones((3, 2)), np.zeros(2), "identity")])

    # NaN propagates to every output
    assert np.isnan(net_with(np.full((4, 3), np.nan)).predict(np.ones((2, 4)))).all()
    # +-inf saturate the sigmoid at exactly 1 or 0: the two equal scores give [0.5, 0.5]
    for value in (np.inf, -np.inf):
        out = net_with(np.full((4, 3), value)).predict(np.ones((2, 4)))
        np.testing.assert_array_equal(out, 0.5)
    # inf - inf inside one sum is NaN, as in NumPy
    W = np.zeros((4, 3))
    W[0], W[1] = np.inf, -np.inf
    assert np.isnan(net_with(W).predict(np.ones((1, 4)))).all()


def test_labels_out_of_range_and_mismatched_batches(backend):
    x = np.ones((3, 4))
    for t, pattern in [([0, 1, 5], r"\[0, 2\)"), ([0, -1, 0], r"\[0, 2\)"), ([0, 1], "3 samples"),
                       (np.ones((3, 3)), "one-hot t"), ([0.5, 1, 0], "whole-number")]:
        for call in (lambda: NET.accuracy(x, t), lambda: NET.gradient(x, t)):
            with pytest.raises(ValueError, match=pattern):
                call()


def test_files_and_command_line(tmp_path):
    cases = []
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "text.npz").write_text("hello")
    (tmp_path / "dir").mkdir()
    for path in ("empty", "text.npz", "dir", "missing"):
        for call, allowed in ((nncore.load, (ValueError, OSError)),
                              (nncore.load_legacy_pickle, (pickle.UnpicklingError, ValueError,
                                                           OSError)),
                              (load_mnist_csv, (ValueError, OSError))):
            if call is load_mnist_csv and path == "empty":
                x, t = call(tmp_path / path)   # no rows: an empty, well-shaped result
                assert x.shape == (0, 784) and t.shape == (0,)
            else:
                with pytest.raises(allowed):
                    call(tmp_path / path)
            cases.append((call, path))
    assert len(cases) == 12


CRASH_PRONE = r"""
import numpy as np, nncore
from nncore import _kernels
net = nncore.Network.init([784, 50, 10], rng=0)
big = np.lib.stride_tricks.as_strided(np.zeros(1), shape=(3, 784), strides=(0, 0))
for x in [np.empty((0, 784)), np.ones((1, 784))[:, ::-1], big, np.ones((7, 784), np.float32),
          np.full((5, 784), np.nan), np.asfortranarray(np.ones((9, 784)))]:
    net.predict(x); net.classify(x)
for shape in [(0,), (1,), (0, 5), (5, 0), (1, 1), (1000, 3)]:
    a = np.ones(shape)
    nncore.sigmoid(a); nncore.softmax(a) if a.ndim else None
    nncore.relu(a, out=a)
for n_in, n_out in [(0, 3), (3, 0), (1, 1), (33, 17), (4, 1)]:
    nncore.affine(np.ones((5, n_in)), np.ones((n_in, n_out)), np.zeros(n_out))
    nncore.affine(np.ones(n_in), np.ones((n_in, n_out)), np.zeros(n_out))
for sizes in ([3, 1, 2], [1, 5], [2, 33, 17, 3]):
    net = nncore.Network.init(sizes, activation="relu", rng=0)
    for n in (0, 1, 3, 4, 5, 130):
        x = np.ones((n, sizes[0]))
        net.predict(x); net.gradient(x, np.zeros(n, int)) if n else None
# layers of zero width, with threads (set on the kernels directly: not capped at this
# machine's CPUs)
_kernels.impl.set_num_threads(2)
for n_in, hidden in [(3, 0), (40, 0), (0, 4)]:
    net = nncore.Network.from_params({"W1": np.zeros((n_in, hidden)), "b1": np.zeros(hidden),
                                      "W2": np.zeros((hidden, 2)), "b2": np.zeros(2)})
    for n in (1, 33, 100):
        x, t = np.ones((n, n_in)), np.zeros(n, int)
        net.predict(x); net.gradient(x, t)
        net.fit(x, t, epochs=1, batch_size=n, progress=False)
_kernels.impl.set_num_threads(1)
print("survived")
"""


@pytest.mark.parametrize("impl", ["cython", "python"])
def test_crash_prone_cases_in_a_subprocess(impl, tmp_path):
    from .conftest import KERNEL_MODULES
    if impl not in KERNEL_MODULES:
        pytest.skip("compiled extension not built")
    res = subprocess.run([sys.executable, "-c", CRASH_PRONE], capture_output=True, text=True,
                         cwd=str(tmp_path), timeout=300,
                         env={**os.environ, "NNCORE_IMPLEMENTATION": impl})
    assert res.returncode == 0, f"exit {res.returncode}: {res.stderr[-2000:]}"
    assert res.stdout.strip() == "survived"


# Sizes, environment variables and thread limits from the user: each must be refused
# (or honoured) with the documented exception, never a crash or an allocation first.
HOSTILE_REQUESTS = {
    "init: a hundred-million-wide layer": (
        lambda: nncore.Network.init([784, 10**8, 10]), nncore.TooLargeError),
    "init: a trillion outputs": (
        lambda: nncore.Network.init([2, 10**12]), nncore.TooLargeError),
    "fit: a trillion samples per batch with replacement": (
        lambda: nncore.Network.init([4, 2], rng=0).fit(
            np.ones((3, 4)), [0, 1, 0], batch_size=10**12, replacement=True, progress=False),
        nncore.TooLargeError),
    "set_num_threads(10**6)": (lambda: nncore.set_num_threads(10**6), None),
    "set_num_threads(0)": (lambda: nncore.set_num_threads(0), ValueError),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_REQUESTS))
def test_hostile_requests(backend, case):
    call, expected = HOSTILE_REQUESTS[case]
    try:
        if expected is None:
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                call()
            assert 1 <= nncore.get_num_threads() <= (os.cpu_count() or 1)
        else:
            with pytest.raises(expected) as info:
                call()
            assert str(info.value)
    finally:
        nncore.set_num_threads(1)


# (environment, command) -> the command must print one line, no traceback
HOSTILE_ENVIRONMENTS = [
    {"NNCORE_IMPLEMENTATION": "bogus"},
    {"NNCORE_IMPLEMENTATION": ""},              # empty means the default: works
    {"NNCORE_NUM_THREADS": "-1"},
    {"NNCORE_NUM_THREADS": "1e9"},
    {"NNCORE_NUM_THREADS": "100000"},           # capped: works
    {"NNCORE_SIMD": "neon9", "NNCORE_IMPLEMENTATION": "python"},   # ignored: works
    {"OMP_THREAD_LIMIT": "1", "NNCORE_NUM_THREADS": "4"},          # capped: works
]


@pytest.mark.parametrize("env", HOSTILE_ENVIRONMENTS, ids=lambda e: ",".join(
    f"{k}={v}" for k, v in e.items()))
def test_hostile_environments_in_the_command(env, tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), "nncore")
    res = subprocess.run([script, "info"], capture_output=True, text=True, cwd=str(tmp_path),
                         timeout=120, env={**os.environ, **env})
    assert "Traceback" not in res.stderr
    if res.returncode:
        assert res.returncode == 1 and res.stderr.count("\n") == 1, res.stderr
        assert any(name in res.stderr for name in env), res.stderr
    else:
        assert "backend:" in res.stdout


@pytest.mark.parametrize("moment", ["importing the kernels", "evaluate: classifying"])
def test_hostile_interruptions(moment, tmp_path):
    """Ctrl-C at start-up and mid-command (the full set is in test_interrupts.py)."""
    from .test_interrupts import COMMANDS, MID_COMMAND, START_UP, _assert_one_line, _interrupt_at

    where = {**START_UP, **MID_COMMAND}[moment]
    code, _, err = _interrupt_at(where, COMMANDS["evaluate"], tmp_path)
    _assert_one_line(code, err)
