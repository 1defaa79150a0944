"""Numerical differentiation as chapter 4 writes it: ``numerical_diff``,
``numerical_gradient`` (``common/gradient.py``), its batch form
``numerical_gradient_2d`` (``gradient_2d.py``) and ``gradient_descent``.

The book changes ``x`` in place, one element at a time, so that ``f`` may read
something that *is* ``x`` — a network's weights — instead of its argument.  These
functions therefore refuse what they cannot change in place (a list, an integer or a
read-only array), where the core :func:`nncore.numerical_gradient` copies it.
"""
import numpy as np

from .. import gradient as _gradient

__all__ = ["numerical_diff", "numerical_gradient", "numerical_gradient_2d", "gradient_descent"]

H = 1e-4  #: the book's step, 0.0001


def _check_f(f):
    if not callable(f):
        raise TypeError(f"f must be callable; got {type(f).__name__}")


def _writeable(x, name="x"):
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array the function can change in place; got "
                        f"{type(x).__name__} (use np.array(..., dtype=float))")
    if x.dtype.kind != "f":
        raise TypeError(f"{name} must be a float array; got dtype {x.dtype} (an integer array "
                        f"cannot hold x + 1e-4)")
    if not x.flags.writeable:
        raise ValueError(f"{name} is read-only: the gradient is taken by changing it in place "
                         f"(pass a writeable copy, and make f read that copy)")
    return x


def numerical_diff(f, x):
    """Central difference ``(f(x + h) - f(x - h)) / 2h`` with the book's ``h = 1e-4``.

    >>> from nncore.book import numerical_diff
    >>> def function_1(x):
    ...     return 0.01 * x ** 2 + 0.1 * x
    >>> numerical_diff(function_1, 5)
    0.1999999999990898
    """
    _check_f(f)
    return (f(x + H) - f(x - H)) / (2 * H)


def numerical_gradient(f, x):
    """Gradient of ``f`` at ``x`` (any shape), ``f`` called with the whole ``x``.

    ``x`` must be a writeable float array; it is changed in place one element at
    a time and restored exactly.  Use this one for a network's weights,
    ``numerical_gradient(lambda W: net.loss(x, t), net.params["W1"])``.

    >>> import numpy as np
    >>> from nncore.book import numerical_gradient
    >>> def function_2(x):
    ...     return x[0] ** 2 + x[1] ** 2
    >>> numerical_gradient(function_2, np.array([3.0, 4.0]))
    array([6., 8.])
    """
    _check_f(f)
    return _gradient.numerical_gradient(f, _writeable(x), h=H)


def numerical_gradient_2d(f, X):
    """``numerical_gradient`` of ``gradient_2d.py``: each row of a 2-D ``X`` is a point.

    ``f`` is called with one row at a time, so a function written for one point
    (``np.sum(x ** 2)``) gives the gradient at every point of a batch.

    >>> import numpy as np
    >>> from nncore.book import numerical_gradient_2d
    >>> def function_2(x):
    ...     return np.sum(x ** 2)
    >>> numerical_gradient_2d(function_2, np.array([[3.0, 4.0], [0.0, 2.0], [3.0, 0.0]]))
    array([[6., 8.],
           [0., 4.],
           [6., 0.]])
    """
    _check_f(f)
    X = _writeable(X, "X")
    if X.ndim == 1:
        return _gradient.numerical_gradient(f, X, h=H)
    if X.ndim != 2:
        raise ValueError(f"X must be one point (n,) or a batch of points (N, n); got shape "
                         f"{X.shape}")
    grad = np.zeros_like(X)
    for i in range(X.shape[0]):
        grad[i] = _gradient.numerical_gradient(f, X[i], h=H)  # X[i] is a writeable view
    return grad


def gradient_descent(f, init_x, lr=0.01, step_num=100, history=False):
    """``step_num`` steps of ``x -= lr * numerical_gradient(f, x)`` from ``init_x``.

    As in the book, ``init_x`` itself is updated and returned.  With
    ``history=True`` the result is ``(x, x_history)`` like ``gradient_method.py``,
    ``x_history`` holding ``x`` before each step.

    >>> import numpy as np
    >>> from nncore.book import gradient_descent
    >>> def function_2(x):
    ...     return x[0] ** 2 + x[1] ** 2
    >>> gradient_descent(function_2, np.array([-3.0, 4.0]), lr=0.1, step_num=100)
    array([-6.11110793e-10,  8.14814391e-10])
    """
    _check_f(f)
    x = _writeable(init_x, "init_x")
    if isinstance(step_num, bool) or not isinstance(step_num, (int, np.integer)) or step_num < 0:
        raise ValueError(f"step_num must be a non-negative integer; got {step_num!r}")
    if not (isinstance(lr, (int, float, np.floating)) and np.isfinite(lr)):
        raise ValueError(f"lr must be a finite number; got {lr!r}")
    x_history = []
    for _ in range(int(step_num)):
        if history:
            x_history.append(x.copy())
        x -= lr * numerical_gradient(f, x)
    return (x, np.array(x_history)) if history else x
