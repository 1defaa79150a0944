"""affine(x, W, b) = x @ W + b on both backends."""
import numpy as np
import pytest

import nncore

from . import oracles


def _problem(dtype, n=5, n_in=7, n_out=3, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, n_in)).astype(dtype),
            rng.standard_normal((n_in, n_out)).astype(dtype),
            rng.standard_normal(n_out).astype(dtype))


def _close(got, want, dtype, n_in):
    tol = 1e-5 * max(n_in, 1) ** 0.5 if np.dtype(dtype) == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_book_example(backend):
    got = nncore.affine([1, 2], [[1, 3, 5], [2, 4, 6]], 0)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [5, 11, 17])


@pytest.mark.parametrize("shape", [(1, 1, 1), (5, 7, 3), (64, 784, 50), (3, 100, 10), (2, 33, 17)])
def test_matches_oracle(backend, dtype, shape):
    x, W, b = _problem(dtype, *shape)
    got = nncore.affine(x, W, b)
    assert got.dtype == dtype and got.shape == (shape[0], shape[2])
    _close(got, oracles.affine(x, W, b), dtype, shape[1])
    one = nncore.affine(x[0], W, b)
    assert one.shape == (shape[2],)
    _close(one, oracles.affine(x[0], W, b), dtype, shape[1])


@pytest.mark.parametrize("n_out", [1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 50, 63, 64, 65, 100,
                                   127, 128, 129, 130, 200, 257])
def test_every_panel_width_of_one_row(backend, dtype, n_out):
    """One row (its own kernel: panels of 1 to 8 vectors, loads near W's end padded)
    agrees with the oracle for every width, including the last columns of W."""
    x, W, b = _problem(dtype, 3, 11, n_out, seed=n_out)
    want = oracles.affine(x, W, b)
    for i in range(3):
        _close(nncore.affine(x[i], W, b), want[i], dtype, 11)


def test_layouts_and_readonly(backend, dtype):
    x, W, b = _problem(dtype, 6, 9, 4, seed=1)
    want = oracles.affine(x, W, b)
    xr, Wr, br = x.copy(), W.copy(), b.copy()
    for a in (xr, Wr, br):
        a.flags.writeable = False
    cases = {
        "fortran": (np.asfortranarray(x), np.asfortranarray(W), b, want),
        "reversed": (x[::-1], W, b, want[::-1]),
        "strided": (np.repeat(x, 2, axis=1)[:, ::2], W, np.repeat(b, 3)[::3], want),
        "readonly": (xr, Wr, br, want),
    }
    for label, (xv, Wv, bv, expected) in cases.items():
        before = [a.copy() for a in (xv, Wv, bv)]
        got = nncore.affine(xv, Wv, bv)
        _close(got, expected, dtype, 9)
        for a, a0 in zip((xv, Wv, bv), before):
            np.testing.assert_array_equal(a, a0, err_msg=f"{label}: input modified")


def test_empty(backend, dtype):
    x, W, b = _problem(dtype, 0, 4, 3)
    assert nncore.affine(x, W, b).shape == (0, 3)
    x, W, b = _problem(dtype, 2, 4, 0)
    assert nncore.affine(x, W, b).shape == (2, 0)
    x, W, b = _problem(dtype, 2, 0, 3)
    got = nncore.affine(x, W, b)
    np.testing.assert_array_equal(got, np.broadcast_to(b, (2, 3)))


def test_dtype_promotion(backend):
    x, W, b = _problem(np.float32)
    assert nncore.affine(x, W, b.astype(np.float64)).dtype == np.float32
    assert nncore.affine(x.astype(np.float64), W, b).dtype == np.float64
    assert nncore.affine(x.astype(int), W.astype(int), 1).dtype == np.float64


def test_out(backend, dtype):
    x, W, b = _problem(dtype)
    want = nncore.affine(x, W, b)
    out = np.empty((5, 3), dtype)
    assert nncore.affine(x, W, b, out=out) is out
    np.testing.assert_array_equal(out, want)
    wide = np.zeros((5, 6), dtype)
    nncore.affine(x, W, b, out=wide[:, 1::2])
    np.testing.assert_array_equal(wide[:, 1::2], want)
    # out aliasing an input: the result must still be x @ W + b of the original x
    sq_x = np.random.default_rng(7).standard_normal((4, 4)).astype(dtype)
    sq_W = np.random.default_rng(8).standard_normal((4, 4)).astype(dtype)
    expected = nncore.affine(sq_x, sq_W, np.zeros(4, dtype))
    nncore.affine(sq_x, sq_W, np.zeros(4, dtype), out=sq_x)
    np.testing.assert_array_equal(sq_x, expected)
    with pytest.raises(ValueError, match=r"out must have shape \(5, 3\)"):
        nncore.affine(x, W, b, out=np.empty((3, 5), dtype))


def test_shape_errors_name_both_shapes(backend):
    x, W, b = _problem(np.float64)
    with pytest.raises(ValueError, match=r"x has shape \(5, 6\).*W has\s+shape \(7, 3\)"):
        nncore.affine(x[:, :6], W, b)
    with pytest.raises(ValueError, match=r"b must have shape \(3,\) to match W of shape \(7, 3\); got \(4,\)"):
        nncore.affine(x, W, np.ones(4))
    with pytest.raises(ValueError, match=r"W must be 2-D; got shape \(7,\)"):
        nncore.affine(x, W[:, 0], b)
    with pytest.raises(ValueError, match=r"x must be 1-D or 2-D; got shape \(\)"):
        nncore.affine(1.0, W, b)
    with pytest.raises(TypeError, match="W must have a float32, float64, integer or bool dtype; got complex"):
        nncore.affine(x, W.astype(complex), b)
    with pytest.raises(TypeError, match="b must have a float32"):
        nncore.affine(x, W, ["a", "b", "c"])
