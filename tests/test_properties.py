"""Property tests: random shapes (empty included), layouts, aliasing and special values."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nncore

from . import oracles
from .conftest import tolerance

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
DTYPES = st.sampled_from([np.dtype(np.float32), np.dtype(np.float64)])


@st.composite
def arrays(draw, special=False, min_dims=1, max_dims=3):
    dtype = draw(DTYPES)
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=6))
    if special:
        elements = st.floats(allow_nan=True, allow_infinity=True, width=dtype.itemsize * 8)
    else:
        elements = st.floats(-30, 30, width=dtype.itemsize * 8)
    a = draw(hnp.arrays(dtype, shape, elements=elements))
    layout = draw(st.sampled_from(["C", "F", "reversed", "transposed", "readonly", "strided"]))
    if layout == "F":
        a = np.asfortranarray(a)
    elif layout == "reversed":
        a = a[::-1]
    elif layout == "transposed":
        a = a.T
    elif layout == "readonly":
        a = a.copy()
        a.flags.writeable = False
    elif layout == "strided":
        a = np.repeat(a, 2, axis=-1)[..., ::2]
    return a


def _same(got, want, dtype):
    rtol, atol = tolerance(dtype)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("name", sorted(oracles.ELEMENTWISE))
@SETTINGS
@given(x=arrays(), special=arrays(special=True), data=st.data())
def test_elementwise(backend, name, x, special, data):
    fn, oracle = getattr(nncore, name), oracles.ELEMENTWISE[name]
    for a in (x, special):
        before = a.copy()
        got = fn(a)
        assert got.shape == a.shape and got.dtype == a.dtype
        _same(got, oracle(a), a.dtype)
        np.testing.assert_array_equal(a, before)
    # out= aliasing the input
    if x.flags.writeable:
        want = fn(x)
        assert fn(x, out=x) is x
        np.testing.assert_array_equal(x, want)


@SETTINGS
@given(x=arrays(), special=arrays(special=True), data=st.data())
def test_softmax(backend, x, special, data):
    for a in (x, special):
        axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
        got = nncore.softmax(a, axis=axis)
        assert got.shape == a.shape and got.dtype == a.dtype
        rtol, atol = tolerance(a.dtype)
        np.testing.assert_allclose(got, oracles.softmax(a, axis=axis), rtol=rtol * 10, atol=atol,
                                   equal_nan=True)


@SETTINGS
@given(data=st.data())
def test_affine(backend, data):
    dtype = data.draw(DTYPES)
    n, n_in, n_out = (data.draw(st.integers(0, 6)) for _ in range(3))
    elements = st.floats(-10, 10, width=dtype.itemsize * 8)
    x = data.draw(hnp.arrays(dtype, (n, n_in), elements=elements))
    W = data.draw(hnp.arrays(dtype, (n_in, n_out), elements=elements))
    b = data.draw(hnp.arrays(dtype, (n_out,), elements=elements))
    if data.draw(st.booleans()):
        W = np.asfortranarray(W)
    if data.draw(st.booleans()):
        x = x[::-1]
    got = nncore.affine(x, W, b)
    assert got.shape == (n, n_out) and got.dtype == dtype
    tol = 2e-4 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(got, oracles.affine(x, W, b), rtol=tol, atol=tol * 100)
