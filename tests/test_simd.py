"""Instruction-set levels of the compiled kernels: the choice at import, and every
level the CPU supports held to the same contract in one process.

The whole suite also runs once per level in CI (``NNCORE_SIMD=...``); these tests
make a plain ``pytest`` cover every level too, for the kernels that differ by level
(dense tiles, the one-row kernel, sigmoid, softmax, backpropagation).
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import nncore
from nncore import _kernels

from .conftest import KERNEL_MODULES, tolerance
from . import oracles

pytestmark = pytest.mark.skipif("cython" not in KERNEL_MODULES,
                                reason="compiled extension not built")


def forward_f64(net, x):
    """The network's output computed in float64 by the oracles."""
    out = np.asarray(x, np.float64)
    for layer in net.layers:
        out = getattr(oracles, layer.activation)(oracles.affine(out, layer.W, layer.b))
    return getattr(oracles, net.output)(out)


def _kc():
    return KERNEL_MODULES["cython"]


@pytest.fixture(params=["baseline", "avx2", "avx512"])
def level(request, monkeypatch):
    """Switch the compiled kernels to one level for the test (skip if the CPU lacks it)."""
    kc = _kc()
    if request.param not in kc.simd_supported():
        pytest.skip(f"this CPU does not support {request.param}")
    monkeypatch.setattr(_kernels, "impl", kc)
    before = kc.simd_level()
    kc.select_simd(request.param)
    yield request.param
    kc.select_simd(before)


def _run(code, **env):
    # from a folder that holds no source tree, so the installed package is imported
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env}, cwd=tempfile.gettempdir(), timeout=120)


def test_auto_picks_the_widest_supported_level():
    kc = _kc()
    supported = kc.simd_supported()
    assert supported[0] == "baseline" and set(supported) <= set(kc.simd_compiled())
    res = _run("from nncore import _kernels_c as k; import nncore; print(k.simd_level())",
               NNCORE_SIMD="auto", NNCORE_IMPLEMENTATION="cython")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split()[-1] == supported[-1]


def test_environment_forces_a_level_and_show_config_reports_it():
    for name in _kc().simd_supported():
        res = _run("import nncore; nncore.show_config()", NNCORE_SIMD=name,
                   NNCORE_IMPLEMENTATION="cython")
        assert res.returncode == 0, res.stderr
        line = next(l for l in res.stdout.splitlines() if l.startswith("simd:"))
        assert (name if name != "baseline" else "(baseline)") in line
        assert "supported" in line


@pytest.mark.parametrize("value", ["avx9000", "sse4", "x"])
def test_an_unknown_level_is_a_clear_import_error(value):
    res = _run("import nncore", NNCORE_SIMD=value, NNCORE_IMPLEMENTATION="cython")
    assert res.returncode != 0
    assert "EnvironmentVariableError: NNCORE_SIMD must be auto, baseline" in res.stderr
    assert repr(value) in res.stderr


def test_a_level_the_cpu_lacks_is_a_clear_import_error_not_a_crash():
    kc = _kc()
    missing = [n for n in kc.SIMD_LEVELS if n not in kc.simd_supported()]
    if not missing:
        pytest.skip("this CPU supports every level")
    res = _run("import nncore", NNCORE_SIMD=missing[-1], NNCORE_IMPLEMENTATION="cython")
    assert res.returncode == 1, res.stderr          # an exception, not a signal
    assert "EnvironmentVariableError" in res.stderr and "supported here: baseline" in res.stderr
    with pytest.raises(ValueError, match="supported here"):
        kc.select_simd(missing[-1])
    assert kc.simd_level() in kc.simd_supported()  # nothing changed


def test_the_numpy_backend_ignores_the_level():
    res = _run("import nncore; print(nncore.BACKEND)", NNCORE_SIMD="avx9000",
               NNCORE_IMPLEMENTATION="python")
    assert res.returncode == 0 and res.stdout.strip() == "python"


WIDTHS = [[784, 50, 100, 10], [37, 23, 9, 3], [5, 130, 1], [100, 17, 40], [16, 8, 64, 33],
          [3, 1, 2]]


@pytest.mark.parametrize("sizes", WIDTHS)
def test_each_level_matches_the_oracle(level, dtype, sizes):
    net = nncore.Network.init(sizes, activation="sigmoid", dtype=dtype, weight_init=0.3, rng=2)
    x = np.random.default_rng(3).standard_normal((83, sizes[0])).astype(dtype)
    rtol, atol = tolerance(dtype)
    expected = forward_f64(net, x)
    np.testing.assert_allclose(net.predict(x), expected, rtol=10 * rtol, atol=10 * atol)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("sizes", WIDTHS)
def test_each_level_keeps_a_rows_result_independent_of_its_batch(level, dtype, sizes,
                                                                 activation):
    """Tiles on packed W, tiles on W as it is, the half tile and the one-row kernel give
    the same bits at every level; so
    does the vector sigmoid, whether a value falls in its lockstep blocks, its single
    vectors or its zero-padded last vector."""
    net = nncore.Network.init(sizes, activation=activation, dtype=dtype, weight_init=0.5,
                              rng=1)
    x = np.random.default_rng(1).standard_normal((131, sizes[0])).astype(dtype)
    whole = net.predict(x)
    for i in (0, 7, 64, 130):
        np.testing.assert_array_equal(net.predict(x[i]), whole[i])
    # (batches below each level's packed_min_rows read W unpacked, larger ones packed)
    for start, stop in ((3, 12), (60, 66), (1, 130), (125, 131), (0, 11), (0, 23), (0, 31),
                        (0, 63)):
        np.testing.assert_array_equal(net.predict(x[start:stop]), whole[start:stop])
    try:
        nncore.set_num_threads(2)
        np.testing.assert_array_equal(net.predict(np.tile(x, (3, 1)))[131:262], whole)
    finally:
        nncore.set_num_threads(1)


def _ulps(got, true, dtype):
    """|got - true| in units of the last place of the correctly rounded value."""
    return np.abs(got.astype(true.dtype) - true) / np.spacing(true.astype(dtype)).astype(true.dtype)


def test_exp_stays_within_a_few_ulps_at_every_level(level, dtype):
    """sigmoid and softmax rest on the kernels' exp (its multiply-adds fused on the levels
    with FMA, rounded twice on SSE2): over the range where their results are normal
    numbers, they stay within 3 units in the last place of a wider type's reference."""
    if dtype == np.float64 and np.finfo(np.longdouble).nmant <= np.finfo(np.float64).nmant:
        pytest.skip("no floating-point type wider than float64 here")
    wide = np.float64 if dtype == np.float32 else np.longdouble
    reach = 86 if dtype == np.float32 else 700  # sigmoid(-reach) is still a normal number
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(-reach, reach, 40_000), rng.uniform(-3, 3, 40_000),
                        [0.0, -0.0, 1e-30, -1e-30, reach, -reach]]).astype(dtype)
    e = np.exp(-np.abs(x.astype(wide)))
    true = np.where(x >= 0, 1, e) / (1 + e)
    assert _ulps(nncore.sigmoid(x), true, dtype).max() <= 3
    # softmax of rows (0, -|x|): exp(-|x| - 0), then e / (1 + e)
    rows = np.stack([np.zeros_like(x), -np.abs(x)], axis=1)
    assert _ulps(nncore.softmax(rows)[:, 1], e / (1 + e), dtype).max() <= 3


def test_each_level_trains_like_the_numpy_backend(level, dtype):
    """Backpropagation's products run on the level's kernels: gradients agree with NumPy's.
    (23 rows of dW: tiles of 8, 4, 2 and 1 row where a tile has 8.)"""
    net = nncore.Network.init([23, 13, 7], activation="relu", dtype=dtype, rng=4)
    x = np.random.default_rng(5).standard_normal((37, 23)).astype(dtype)
    t = np.random.default_rng(6).integers(0, 7, 37)
    grads = net.gradient(x, t)
    _kernels.impl = KERNEL_MODULES["python"]
    expected = net.gradient(x, t)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    for key in expected:
        np.testing.assert_allclose(grads[key], expected[key], rtol=rtol, atol=rtol * 1e-2)


def test_each_level_trains_alike_on_any_thread_count(level, dtype):
    """dW's rows are shared among threads in blocks: the same bits on 1 and 2 threads,
    with 151 rows (on 2 threads blocks of 40, 40, 40 and 31: tiles of every size) and
    a batch of 600 (more than one block of k at every level)."""
    net = nncore.Network.init([151, 13, 7], activation="relu", dtype=dtype, rng=4)
    x = np.random.default_rng(5).standard_normal((600, 151)).astype(dtype)
    t = np.random.default_rng(6).integers(0, 7, 600)
    one = net.gradient(x, t)
    try:
        nncore.set_num_threads(2)
        two = net.gradient(x, t)
    finally:
        nncore.set_num_threads(1)
    for key in one:
        np.testing.assert_array_equal(two[key], one[key])


def test_levels_differ_at_most_in_the_last_bits(dtype):
    kc = _kc()
    net = nncore.Network.init([784, 50, 100, 10], dtype=dtype, weight_init=0.1, rng=0)
    x = np.random.default_rng(0).random((50, 784)).astype(dtype)
    before = kc.simd_level()
    results = {}
    try:
        for name in kc.simd_supported():
            kc.select_simd(name)
            results[name] = net.predict(x)
    finally:
        kc.select_simd(before)
    base = results["baseline"]
    eps = np.finfo(dtype).eps
    for name, y in results.items():
        np.testing.assert_allclose(y, base, rtol=64 * eps, atol=0)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_each_level_rounds_a_hidden_delta_once_per_factor(level, dtype, activation):
    """A hidden layer's delta is (the delta above @ W.T) * act'(h), with act'(h)
    rounded to the dtype before the product (not carried into it in float64).  One
    output and one sample make every product exact to compare: db1 is that delta."""
    kc = _kc()
    rng = np.random.default_rng(7)
    W = [rng.standard_normal((3, 64)).astype(dtype), rng.standard_normal((64, 1)).astype(dtype)]
    b = [rng.standard_normal(64).astype(dtype), rng.standard_normal(1).astype(dtype)]
    x, t = rng.standard_normal((1, 3)).astype(dtype), rng.standard_normal((1, 1)).astype(dtype)
    zs = [np.empty((1, 64), dtype), np.empty((1, 1), dtype)]
    dWs, dbs = [np.empty_like(w) for w in W], [np.empty_like(v) for v in b]
    codes = kc.ACTIVATION_CODES
    kc.gradient(W, b, [codes[activation], codes["identity"]], codes["identity"],
                kc.LOSS_CODES["mse"], x, t, zs, dWs, dbs)
    h, above = zs[0][0], dbs[1][0]
    if activation == "sigmoid":  # h (1 - h) in float64
        slope = (h.astype(np.float64) * (1 - h.astype(np.float64))).astype(dtype)
    else:                        # h h in the dtype, then 1 - h h in float64
        slope = (1 - (h * h).astype(np.float64)).astype(dtype)
    np.testing.assert_array_equal(dbs[0], (above * W[1][:, 0]) * slope)
