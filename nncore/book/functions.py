"""The book's ``common/functions.py`` names, with the book's return types.

Each function runs on nncore's kernels (:mod:`nncore.functions`,
:mod:`nncore.losses`); where the book's behaviour differs from nncore's core API
(an ``int`` step, a loss *summed* over a batch, the derivative helpers) the
difference lives here, so the core API keeps its own contract.
"""
import numpy as np

from .. import functions as _f
from .. import losses as _losses
from .._validation import as_float_array

__all__ = [
    "identity_function", "step_function", "sigmoid", "sigmoid_grad", "relu", "relu_grad",
    "softmax", "sum_squared_error", "mean_squared_error", "cross_entropy_error", "softmax_loss",
]


def identity_function(x):
    """``x`` unchanged (the book's output function for regression).

    >>> from nncore.book import identity_function
    >>> identity_function([1.0, -2.0])
    array([ 1., -2.])
    """
    return _f.identity_function(x)


def step_function(x):
    """1 where ``x > 0``, else 0, as **integers** (the book's ``dtype=int``).

    :func:`nncore.step_function` returns floats (and keeps NaN); here NaN gives 0,
    as ``x > 0`` does in the book.

    >>> import numpy as np
    >>> from nncore.book import step_function
    >>> step_function(np.array([-1.0, 1.0, 2.0]))
    array([0, 1, 1])
    """
    y = _f.step_function(x)
    return np.asarray(y > 0, dtype=int)  # NaN > 0 is False: 0, like the book


def sigmoid(x):
    """``1 / (1 + exp(-x))``, overflow-safe; float32 stays float32.

    >>> import numpy as np
    >>> from nncore.book import sigmoid
    >>> sigmoid(np.array([-1.0, 1.0, 2.0])).round(8)
    array([0.26894142, 0.73105858, 0.88079708])
    """
    return _f.sigmoid(x)


def sigmoid_grad(x):
    """Derivative of the sigmoid at ``x``: ``(1 - sigmoid(x)) * sigmoid(x)``.

    >>> from nncore.book import sigmoid_grad
    >>> float(sigmoid_grad(0.0))
    0.25
    """
    s = _f.sigmoid(x)
    return (1 - s) * s


def relu(x):
    """``max(0, x)`` elementwise (as floats: integer input becomes float64).

    >>> from nncore.book import relu
    >>> relu([-1.0, 0.5])
    array([0. , 0.5])
    """
    return _f.relu(x)


def relu_grad(x):
    """Derivative of ReLU: 1 where ``x >= 0`` (the book counts 0 as positive), else 0.

    >>> from nncore.book import relu_grad
    >>> relu_grad([-1.0, 0.0, 3.0])
    array([0., 1., 1.])
    """
    x = as_float_array(x, "x")
    return np.greater_equal(x, 0).astype(x.dtype)


def softmax(x):
    """Softmax over the last axis (row-wise on a batch), overflow-safe.

    >>> import numpy as np
    >>> from nncore.book import softmax
    >>> softmax(np.array([0.3, 2.9, 4.0])).round(8)
    array([0.01821127, 0.24519181, 0.73659691])
    """
    return _f.softmax(x, axis=-1)


def sum_squared_error(y, t):
    """``0.5 * sum((y - t) ** 2)`` over **every** element, a batch included.

    :func:`nncore.mean_squared_error` averages a batch over its samples; the
    book's function (and this one) sums.

    >>> from nncore.book import sum_squared_error
    >>> t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    >>> sum_squared_error([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0], t)
    0.09750000000000003
    >>> sum_squared_error([[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]])  # 2 samples
    1.0
    """
    y = as_float_array(y, "y")
    t = as_float_array(t, "t")
    if y.shape != t.shape:
        raise ValueError(f"t must have the shape of y {y.shape}; got {t.shape}")
    with np.errstate(all="ignore"):
        diff = y.astype(np.float64) - t
        return float(0.5 * np.sum(diff * diff))


#: The name the book's text (section 4.2.1) gives :func:`sum_squared_error`.
mean_squared_error = sum_squared_error


def cross_entropy_error(y, t):
    """``-sum(t * log(y + 1e-7)) / N``: labels or one-hot ``t``, one sample or a batch.

    The same function as :func:`nncore.cross_entropy_error` (the book's ``1e-7``
    included), computed in float64.

    >>> from nncore.book import cross_entropy_error
    >>> t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    >>> cross_entropy_error([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0], t)
    0.510825457099338
    """
    return _losses.cross_entropy_error(y, t)


def softmax_loss(X, t):
    """``cross_entropy_error(softmax(X), t)``: the loss of scores ``X``.

    >>> from nncore.book import softmax_loss
    >>> round(softmax_loss([[0.0, 0.0]], [1]), 6)   # two equal scores: log 2
    0.693147
    """
    return _losses.cross_entropy_error(softmax(X), t)
