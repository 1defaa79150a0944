"""Elementwise activations on both backends, against float64 oracles."""
import warnings

import numpy as np
import pytest

import nncore

from . import oracles
from .conftest import tolerance

NAMES = sorted(oracles.ELEMENTWISE)


def _values(dtype, shape=(7, 5), seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 4).astype(dtype)


@pytest.mark.parametrize("name", NAMES)
def test_matches_oracle(backend, dtype, name):
    x = _values(dtype)
    got = getattr(nncore, name)(x)
    assert got.dtype == dtype and got.shape == x.shape
    rtol, atol = tolerance(dtype)
    np.testing.assert_allclose(got, oracles.ELEMENTWISE[name](x), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", NAMES)
def test_backends_agree_on_layouts(backend, dtype, name):
    """C order, Fortran order, negative strides, transposes and read-only inputs."""
    base = _values(dtype, (6, 8), seed=1)
    expected = oracles.ELEMENTWISE[name](base)
    fn = getattr(nncore, name)
    rtol, atol = tolerance(dtype)
    readonly = base.copy()
    readonly.flags.writeable = False
    views = {
        "fortran": (np.asfortranarray(base), expected),
        "reversed": (base[::-1, ::-2], expected[::-1, ::-2]),
        "transposed": (base.T, expected.T),
        "readonly": (readonly, expected),
    }
    for label, (view, want) in views.items():
        before = view.copy()
        got = fn(view)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=label)
        np.testing.assert_array_equal(view, before, err_msg=f"{label}: input modified")


@pytest.mark.parametrize("name", NAMES)
def test_empty_and_scalar(backend, dtype, name):
    fn = getattr(nncore, name)
    for shape in [(0,), (0, 3), (3, 0)]:
        got = fn(np.empty(shape, dtype))
        assert got.shape == shape and got.dtype == dtype
    scalar = fn(dtype.type(0.5))
    assert np.ndim(scalar) == 0
    assert scalar == pytest.approx(float(oracles.ELEMENTWISE[name](0.5)), rel=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_out_argument(backend, dtype, name):
    fn = getattr(nncore, name)
    x = _values(dtype, (4, 3), seed=2)
    want = fn(x)
    out = np.empty_like(x)
    assert fn(x, out=out) is out
    np.testing.assert_array_equal(out, want)
    # in place
    y = x.copy()
    assert fn(y, out=y) is y
    np.testing.assert_array_equal(y, want)
    # non-contiguous out
    big = np.zeros((4, 6), dtype)
    fn(x, out=big[:, ::2])
    np.testing.assert_array_equal(big[:, ::2], want)
    assert not big[:, 1::2].any()
    # out partially overlapping its own input (shifted view)
    buf = np.arange(10, dtype=dtype) - 5
    expected = fn(buf[:-1].copy())
    fn(buf[:-1], out=buf[1:])
    np.testing.assert_array_equal(buf[1:], expected)


@pytest.mark.parametrize("name", NAMES)
def test_out_is_checked(backend, name):
    fn = getattr(nncore, name)
    x = np.ones(3)
    with pytest.raises(ValueError, match="out must have shape"):
        fn(x, out=np.empty(4))
    with pytest.raises(TypeError, match="out must have dtype float64"):
        fn(x, out=np.empty(3, np.float32))
    with pytest.raises(TypeError, match="out must be a numpy.ndarray"):
        fn(x, out=[0.0, 0.0, 0.0])
    ro = np.empty(3)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="out is read-only"):
        fn(x, out=ro)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "value, dtype",
    [([1, 2], np.int64), ([True, False], np.float64), (np.array([1, 2], np.uint8), np.float64),
     (3, np.float64)],
)
def test_integer_and_bool_input_is_float64(backend, name, value, dtype):
    got = getattr(nncore, name)(value)
    assert np.asarray(got).dtype == np.float64


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "bad",
    [np.array([1 + 2j]), np.array(["a"]), np.array([None], dtype=object),
     np.array(["2020-01-01"], dtype="datetime64[D]"), np.array([1.0], np.float16), "abc"],
    ids=["complex", "str", "object", "datetime", "float16", "string"],
)
def test_refused_dtypes_name_the_dtype(backend, name, bad):
    with pytest.raises(TypeError, match=r"x must have a float32, float64, integer or bool dtype; got"):
        getattr(nncore, name)(bad)


@pytest.mark.parametrize("name", NAMES)
def test_ragged_input(backend, name):
    with pytest.raises(ValueError, match="x must be a number or a rectangular"):
        getattr(nncore, name)([[1.0, 2.0], [3.0]])


def test_nan_policy(backend, dtype):
    x = np.array([np.nan, -np.inf, -0.0, 0.0, np.inf], dtype)
    step = nncore.step_function(x)
    np.testing.assert_array_equal(step, np.array([np.nan, 0, 0, 0, 1], dtype))
    relu = nncore.relu(x)
    np.testing.assert_array_equal(relu, np.array([np.nan, 0, 0, 0, np.inf], dtype))
    assert not np.signbit(relu[2]), "relu(-0.0) must be +0.0"
    np.testing.assert_array_equal(nncore.sigmoid(x), np.array([np.nan, 0, 0.5, 0.5, 1], dtype))
    np.testing.assert_array_equal(nncore.tanh(x), np.array([np.nan, -1, 0, 0, 1], dtype))
    np.testing.assert_array_equal(nncore.identity_function(x), x)


def test_sigmoid_does_not_overflow(backend, dtype):
    x = np.array([-1e4, -100.0, 100.0, 1e4], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = nncore.sigmoid(x)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got[[0, 3]], np.array([0.0, 1.0], dtype))
    assert 0 <= got[1] < 1e-40 and got[2] == 1.0
    assert np.all(np.isfinite(got))


def test_book_examples(backend):
    # "Deep Learning from Scratch", chapter 3
    np.testing.assert_array_equal(nncore.step_function(np.array([-1.0, 1.0, 2.0])), [0, 1, 1])
    np.testing.assert_allclose(
        nncore.sigmoid(np.array([-1.0, 1.0, 2.0])), [0.26894142, 0.73105858, 0.88079708], rtol=1e-8
    )
    np.testing.assert_array_equal(nncore.relu(np.array([-1.0, 1.0, 2.0])), [0, 1, 2])
    assert nncore.sigmoid(0) == 0.5


def test_float32_computed_in_float32(backend):
    x = np.linspace(-20, 20, 101, dtype=np.float32)
    for name in NAMES:
        got = getattr(nncore, name)(x)
        assert got.dtype == np.float32, name
