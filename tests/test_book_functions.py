"""nncore.book's functions and chapter-4 gradients against the numbers the book prints."""
import sys

import numpy as np
import pytest

from nncore import book


def _readonly(a):
    a = np.array(a)
    a.flags.writeable = False
    return a


def _strided(a, dtype):
    """``a`` as a non-contiguous view of a bigger array."""
    a = np.asarray(a, dtype=dtype)
    big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype)
    big[..., ::2] = a
    return big[..., ::2]


def test_step_function_returns_ints_like_the_book(backend):
    y = book.step_function(np.array([-1.0, 0.0, 1.0, np.nan]))
    assert y.dtype.kind == "i" and y.tolist() == [0, 0, 1, 0]
    assert book.step_function(3.0).dtype.kind == "i"


def test_activations_on_both_dtypes_and_layouts(backend, dtype):
    x = np.array([-1.0, 1.0, 2.0])
    for name in ("sigmoid", "relu", "softmax", "identity_function"):
        fn = getattr(book, name)
        ref = fn(x)
        for variant in (_strided(x, dtype), _readonly(x.astype(dtype))):
            out = fn(variant)
            assert out.dtype == dtype, name
            np.testing.assert_allclose(out, ref, rtol=1e-6)
    # the book prints sigmoid([-1, 1, 2]) = [0.26894142, 0.73105858, 0.88079708]
    np.testing.assert_allclose(book.sigmoid(x), [0.26894142, 0.73105858, 0.88079708], atol=5e-9)
    # and softmax([0.3, 2.9, 4.0]) = [0.01821127, 0.24519181, 0.73659691]
    np.testing.assert_allclose(book.softmax([0.3, 2.9, 4.0]), [0.01821127, 0.24519181, 0.73659691],
                               atol=5e-9)


def test_derivative_helpers_match_numerical_diff(backend, dtype):
    x = np.array([-2.0, -0.5, 0.5, 2.0])
    s = book.sigmoid_grad(x.astype(dtype))
    assert s.dtype == dtype
    numeric = [book.numerical_diff(lambda v: float(book.sigmoid(v)), v) for v in x]
    np.testing.assert_allclose(s, numeric, rtol=1e-5)
    np.testing.assert_array_equal(book.relu_grad(_strided(x, dtype)), [0, 0, 1, 1])
    assert book.relu_grad([0.0]).tolist() == [1.0]   # the book's x >= 0
    assert book.relu_grad(np.empty((0, 3))).shape == (0, 3)


def test_losses_print_the_books_values(dtype):
    t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    y7 = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])
    # section 4.2.1 and 4.2.2, as printed
    assert book.mean_squared_error(y, t) == 0.09750000000000003
    assert book.mean_squared_error(y7, t) == 0.5975
    assert book.cross_entropy_error(y, np.array(t)) == 0.510825457099338
    assert book.cross_entropy_error(y7, np.array(t)) == 2.302584092994546
    if dtype == np.float32:
        assert book.sum_squared_error(y.astype(dtype), t) == pytest.approx(0.0975, rel=1e-6)
    # a batch is summed, not averaged (nncore.mean_squared_error averages)
    batch = np.stack([y, y7])
    assert book.sum_squared_error(_strided(batch, dtype), [t, t]) == pytest.approx(0.6950, rel=1e-6)
    assert book.softmax_loss(_readonly([[0.0, 0.0]]), [1]) == pytest.approx(np.log(2))
    with pytest.raises(ValueError, match="t must have the shape of y"):
        book.sum_squared_error([1.0, 2.0], [1.0])


def test_numerical_diff_and_gradient_print_the_books_values():
    def function_1(x):
        return 0.01 * x ** 2 + 0.1 * x

    def function_2(x):
        return x[0] ** 2 + x[1] ** 2

    assert book.numerical_diff(function_1, 5) == 0.1999999999990898
    assert book.numerical_diff(function_1, 10) == 0.2999999999986347
    assert book.numerical_gradient(function_2, np.array([3.0, 4.0])).tolist() == \
        [6.00000000000378, 7.999999999999119]
    np.testing.assert_allclose(book.numerical_gradient(function_2, np.array([0.0, 2.0])), [0, 4])
    np.testing.assert_allclose(book.numerical_gradient(function_2, np.array([3.0, 0.0])), [6, 0])
    # gradient descent, section 4.4.1: lr 0.1, 10 and 1e-10, 100 steps each
    for lr, printed in [(0.1, [-6.11110793e-10, 8.14814391e-10]),
                        (10.0, [-2.58983747e+13, -1.29524862e+12]),
                        (1e-10, [-2.99999994, 3.99999992])]:
        x = book.gradient_descent(function_2, np.array([-3.0, 4.0]), lr=lr, step_num=100)
        np.testing.assert_allclose(x, printed, rtol=5e-9)


def test_gradient_2d_treats_rows_as_points(dtype):
    def function_2(x):   # gradient_2d.py's, for one point or a batch
        return np.sum(x ** 2) if x.ndim == 1 else np.sum(x ** 2, axis=1)

    x0 = np.arange(-2, 2.5, 0.25)
    X, Y = np.meshgrid(x0, x0)
    points = np.array([X.flatten(), Y.flatten()]).T.astype(dtype)
    grad = book.numerical_gradient_2d(function_2, points)
    assert grad.shape == (324, 2) and grad.dtype == dtype
    np.testing.assert_allclose(grad, 2 * points, atol=1e-2 if dtype == np.float32 else 1e-7)
    with pytest.raises(TypeError):   # the whole-array form cannot take a per-row function
        book.numerical_gradient(function_2, points.astype(np.float64))


def test_gradient_descent_history_and_in_place_update():
    init = np.array([-3.0, 4.0])
    x, hist = book.gradient_descent(lambda v: v[0] ** 2 + v[1] ** 2, init, lr=0.1, step_num=20,
                                    history=True)
    assert x is init and hist.shape == (20, 2) and hist[0].tolist() == [-3.0, 4.0]
    assert book.gradient_descent(lambda v: 0.0, np.array([1.0]), step_num=0).tolist() == [1.0]


@pytest.mark.parametrize("bad, error, message", [
    ([3.0, 4.0], TypeError, "numpy array the function can change in place"),
    (np.array([3, 4]), TypeError, "float array"),
    (_readonly([3.0, 4.0]), ValueError, "read-only"),
])
def test_gradient_refuses_what_it_cannot_change_in_place(bad, error, message):
    with pytest.raises(error, match=message):
        book.numerical_gradient(lambda v: 0.0, bad)
    with pytest.raises(error, match=message):
        book.numerical_gradient_2d(lambda v: 0.0, bad)


def test_gradient_argument_errors():
    with pytest.raises(TypeError, match="f must be callable"):
        book.numerical_diff(3, 1.0)
    with pytest.raises(ValueError, match="step_num"):
        book.gradient_descent(lambda v: 0.0, np.zeros(2), step_num=-1)
    with pytest.raises(ValueError, match="one point"):
        book.numerical_gradient_2d(lambda v: 0.0, np.zeros((2, 2, 2)))


def test_rotate_inputs_is_scipys_rotate_row_by_row(backend, dtype):
    """rotate_inputs gives scipy.ndimage.rotate(image, angle, reshape=False, order=1,
    cval=...) of each row as a square image, bit for bit, in the rows' dtype."""
    ndimage = pytest.importorskip("scipy.ndimage")
    rows = np.random.RandomState(0).uniform(0.01, 1.0, (4, 784)).astype(dtype)
    for angle, cval in ((10.0, 0.01), (-10, 0.01), (33.5, 0.5)):
        rotated = book.rotate_inputs(rows, angle, cval=cval)
        assert rotated.shape == (4, 784) and rotated.dtype == dtype
        for row, got in zip(rows, rotated):
            want = ndimage.rotate(row.reshape(28, 28), angle, reshape=False, order=1, cval=cval)
            np.testing.assert_array_equal(got, want.reshape(784))
            np.testing.assert_array_equal(book.rotate_inputs(row, angle, cval=cval), got)
    np.testing.assert_array_equal(book.rotate_inputs(_strided(rows, dtype), 10.0),
                                  book.rotate_inputs(rows, 10.0))
    assert book.rotate_inputs(rows.tolist(), 10.0).dtype == np.float64


def test_rotate_inputs_turns_anticlockwise_and_keeps_the_canvas():
    pytest.importorskip("scipy.ndimage")
    image = np.full((5, 5), 0.01)
    image[2, 4] = 0.99                                     # right of the centre
    quarter = book.rotate_inputs(image.reshape(25), 90.0).reshape(5, 5)
    np.testing.assert_allclose(quarter, np.rot90(image), rtol=0, atol=1e-12)   # to the top
    np.testing.assert_array_equal(book.rotate_inputs(image.reshape(25), 0), image.reshape(25))
    # a bar turned by 45 degrees: the corners brought in are cval, the canvas stays 9 x 9
    bar = np.zeros((9, 9))
    bar[4] = 1.0
    turned = book.rotate_inputs(bar.reshape(81), 45.0, cval=0.25).reshape(9, 9)
    assert turned.shape == (9, 9) and turned[0, 0] == turned[8, 8] == 0.25
    raw = book.rotate_inputs(np.arange(16, dtype=np.uint8), 0.0)
    assert raw.dtype == np.float64 and raw.tolist() == list(range(16))
    assert book.rotate_inputs(np.zeros((0, 784)), 10.0).shape == (0, 784)


@pytest.mark.parametrize("inputs, angle, cval, error, message", [
    (np.ones(783), 10.0, 0.01, ValueError, r"square images flattened row by row.*\(783,\)"),
    (np.ones((2, 3)), 10.0, 0.01, ValueError, "square images"),
    (np.ones(0), 10.0, 0.01, ValueError, "square images"),
    (np.ones((2, 28, 28)), 10.0, 0.01, ValueError, r"inputs must be 1-D or 2-D"),
    (1.0, 10.0, 0.01, ValueError, r"inputs must be 1-D or 2-D"),
    (np.ones(784, np.complex128), 10.0, 0.01, TypeError, "float32, float64, integer or bool"),
    (np.ones(784), float("nan"), 0.01, ValueError, "angle must be a finite real number"),
    (np.ones(784), True, 0.01, ValueError, "angle must be a finite real number"),
    (np.ones(784), "10", 0.01, ValueError, "angle must be a finite real number"),
    (np.ones(784), 10 ** 400, 0.01, ValueError, "angle must be a finite real number"),
    (np.ones(784), 10.0, float("inf"), ValueError, "cval must be a finite real number"),
    (np.ones(784), 10.0, None, ValueError, "cval must be a finite real number"),
])
def test_rotate_inputs_refuses_bad_arguments(inputs, angle, cval, error, message):
    pytest.importorskip("scipy.ndimage")
    with pytest.raises(error, match=message):
        book.rotate_inputs(inputs, angle, cval=cval)


def test_rotate_inputs_without_scipy_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)      # import scipy now fails
    monkeypatch.setitem(sys.modules, "scipy.ndimage", None)
    with pytest.raises(ImportError, match="rotate_inputs needs scipy: pip install scipy"):
        book.rotate_inputs(np.ones(784), 10.0)
