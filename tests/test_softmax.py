"""softmax on both backends: the book's numbers, overflow, any axis, NaN policy."""
import warnings

import numpy as np
import pytest

import nncore

from . import oracles
from .conftest import tolerance


def test_book_numbers(backend, dtype):
    got = nncore.softmax(np.array([0.3, 2.9, 4.0], dtype))
    assert got.dtype == dtype
    np.testing.assert_allclose(got, [0.01821127, 0.24519181, 0.73659691], rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = nncore.softmax(np.array([1010, 1000, 990], dtype))
    np.testing.assert_allclose(big, [9.99954600e-01, 4.53978686e-05, 2.06106005e-09], rtol=1e-5)


@pytest.mark.parametrize("shape, axis", [((5,), 0), ((4, 6), -1), ((4, 6), 0), ((2, 3, 4), 1),
                                          ((2, 3, 4), -3), ((3, 1), 1)])
def test_any_axis(backend, dtype, shape, axis):
    x = (np.random.default_rng(3).standard_normal(shape) * 10).astype(dtype)
    got = nncore.softmax(x, axis=axis)
    rtol, atol = tolerance(dtype)
    assert got.shape == shape and got.dtype == dtype and got.flags.c_contiguous
    np.testing.assert_allclose(got, oracles.softmax(x, axis=axis), rtol=rtol * 5, atol=atol)
    np.testing.assert_allclose(got.sum(axis=axis), 1.0, rtol=1e-5)


def test_layouts_and_readonly(backend, dtype):
    x = (np.random.default_rng(4).standard_normal((6, 5)) * 3).astype(dtype)
    want = oracles.softmax(x)
    rtol, atol = tolerance(dtype)
    ro = x.copy()
    ro.flags.writeable = False
    for view, expected in [(np.asfortranarray(x), want), (x[::-1], want[::-1]), (ro, want),
                           (x.T, oracles.softmax(x.T))]:
        before = view.copy()
        np.testing.assert_allclose(nncore.softmax(view), expected, rtol=rtol * 5, atol=atol)
        np.testing.assert_array_equal(view, before)


def test_out(backend, dtype):
    x = np.random.default_rng(5).standard_normal((4, 3)).astype(dtype)
    want = nncore.softmax(x)
    out = np.empty_like(x)
    assert nncore.softmax(x, out=out) is out
    np.testing.assert_array_equal(out, want)
    y = x.copy()
    nncore.softmax(y, out=y)
    np.testing.assert_array_equal(y, want)
    wide = np.zeros((4, 6), dtype)
    nncore.softmax(x, out=wide[:, ::2])
    np.testing.assert_array_equal(wide[:, ::2], want)
    col = np.empty_like(x)
    nncore.softmax(x, axis=0, out=col)
    np.testing.assert_allclose(col.sum(axis=0), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="out must have shape"):
        nncore.softmax(x, out=np.empty((3, 4), dtype))


def test_empty(backend, dtype):
    for shape in [(0,), (0, 10), (4, 0), (2, 0, 3)]:
        got = nncore.softmax(np.empty(shape, dtype))
        assert got.shape == shape and got.dtype == dtype


def test_nan_and_inf_rows(backend, dtype):
    x = np.array([[np.nan, 1, 2], [np.inf, 1, 2], [-np.inf, 0, 0], [1, 2, 3]], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = nncore.softmax(x)
    assert np.isnan(got[0]).all() and np.isnan(got[1]).all()
    np.testing.assert_allclose(got[2], [0, 0.5, 0.5])
    np.testing.assert_allclose(got[3], oracles.softmax(x[3]), rtol=1e-6)


def test_bad_arguments(backend):
    with pytest.raises(ValueError, match="at least one dimension"):
        nncore.softmax(3.0)
    with pytest.raises(ValueError, match="axis 2 is out of bounds"):
        nncore.softmax(np.ones((2, 2)), axis=2)
    with pytest.raises(TypeError, match="axis must be an integer"):
        nncore.softmax(np.ones((2, 2)), axis=1.0)
    with pytest.raises(TypeError, match="got complex128"):
        nncore.softmax(np.ones(2, complex))
