"""Activation functions, softmax and the affine transform, under the book's names.

All functions are ufunc-like: they take array-likes (scalars, lists, arrays of any
shape and layout), return new arrays (a NumPy scalar for a scalar input) and write
into ``out=`` instead when it is given.  float32 stays float32; integer and bool
input is computed in float64; other dtypes raise TypeError.  Inputs are never
modified unless they are passed as ``out``.

NaN policy: every function maps NaN to NaN; ``step_function(0) == 0``; a softmax
row (the values along ``axis``) that holds NaN or ``+inf`` is all NaN.
"""
import operator

import numpy as np

from . import _kernels
from ._validation import (
    as_float_array,
    check_ndim,
    check_out,
    common_dtype,
    writes_directly,
)

__all__ = [
    "step_function",
    "sigmoid",
    "tanh",
    "relu",
    "identity_function",
    "softmax",
    "affine",
]

_CODES = _kernels.ACTIVATION_CODES


def _elementwise(name, x, out):
    x = as_float_array(x, "x")
    code = _CODES[name]
    if out is None:
        res = np.empty(x.shape, x.dtype)
        _kernels.impl.activate(np.ascontiguousarray(x).reshape(-1), code, res.reshape(-1))
        return res if res.ndim else res[()]
    check_out(out, x.shape, x.dtype)
    src = np.ascontiguousarray(x)
    if writes_directly(out, src, may_alias=src):
        _kernels.impl.activate(src.reshape(-1), code, out.reshape(-1))
    else:
        res = np.empty(x.shape, x.dtype)
        _kernels.impl.activate(src.reshape(-1), code, res.reshape(-1))
        out[...] = res
    return out


def step_function(x, out=None):
    """Step function: 1 where ``x > 0``, else 0 (the perceptron's activation).

    Parameters
    ----------
    x : array_like
        Input of any shape.
    out : numpy.ndarray, optional
        Array of ``x``'s shape and (float) dtype to write the result into.

    Returns
    -------
    numpy.ndarray
        0.0 and 1.0 in ``x``'s float dtype; ``step_function(0) == 0`` and NaN
        stays NaN.

    Examples
    --------
    >>> import nncore
    >>> nncore.step_function([-1.0, 0.0, 1.0, 2.0])
    array([0., 0., 1., 1.])
    """
    return _elementwise("step", x, out)


def sigmoid(x, out=None):
    """Sigmoid ``1 / (1 + exp(-x))``, computed without overflow.

    Large negative inputs do not overflow ``exp`` (no RuntimeWarning):
    ``sigmoid(-1e4)`` is 0 and ``sigmoid(1e4)`` is 1 in float32 and float64.

    Parameters
    ----------
    x : array_like
        Input of any shape.
    out : numpy.ndarray, optional
        Array of ``x``'s shape and (float) dtype to write the result into.

    Returns
    -------
    numpy.ndarray
        Values in [0, 1], in ``x``'s float dtype.

    Examples
    --------
    >>> import numpy as np, nncore
    >>> nncore.sigmoid(np.array([-1.0, 1.0, 2.0])).round(8)
    array([0.26894142, 0.73105858, 0.88079708])
    >>> nncore.sigmoid([-1e4, 0, 1e4])
    array([0. , 0.5, 1. ])
    """
    return _elementwise("sigmoid", x, out)


def tanh(x, out=None):
    """Hyperbolic tangent.

    Parameters
    ----------
    x : array_like
        Input of any shape.
    out : numpy.ndarray, optional
        Array of ``x``'s shape and (float) dtype to write the result into.

    Returns
    -------
    numpy.ndarray
        Values in [-1, 1], in ``x``'s float dtype.

    Examples
    --------
    >>> import nncore
    >>> nncore.tanh([-100.0, 0.0, 0.5]).round(6)
    array([-1.      ,  0.      ,  0.462117])
    """
    return _elementwise("tanh", x, out)


def relu(x, out=None):
    """Rectified linear unit ``max(x, 0)``.

    Parameters
    ----------
    x : array_like
        Input of any shape.
    out : numpy.ndarray, optional
        Array of ``x``'s shape and (float) dtype to write the result into;
        ``relu(a, out=a)`` works in place.

    Returns
    -------
    numpy.ndarray
        ``x`` where it is positive, else 0; NaN stays NaN.

    Examples
    --------
    >>> import nncore
    >>> nncore.relu([-2.0, 0.0, 3.5])
    array([0. , 0. , 3.5])
    """
    return _elementwise("relu", x, out)


def identity_function(x, out=None):
    """Identity: returns the input's values (a new array), the regression output.

    Parameters
    ----------
    x : array_like
        Input of any shape.
    out : numpy.ndarray, optional
        Array of ``x``'s shape and (float) dtype to write the result into.

    Returns
    -------
    numpy.ndarray
        A copy of ``x`` in its float dtype (integers become float64).

    Examples
    --------
    >>> import nncore
    >>> nncore.identity_function([0.3, 0.7])
    array([0.3, 0.7])
    """
    return _elementwise("identity", x, out)


def _axis_index(axis, ndim):
    try:
        ax = operator.index(axis)
    except TypeError:
        raise TypeError(f"axis must be an integer; got {type(axis).__name__}") from None
    if not -ndim <= ax < ndim:
        raise ValueError(f"axis {ax} is out of bounds for x with {ndim} dimension(s)")
    return ax % ndim


def softmax(x, axis=-1, out=None):
    """Softmax along ``axis``: ``exp(x - max) / sum(exp(x - max))``.

    The maximum is subtracted first, so large inputs do not overflow.  On a batch
    ``(N, n_classes)`` the default ``axis=-1`` normalises each row.

    Parameters
    ----------
    x : array_like
        Input with at least one dimension.
    axis : int, optional
        The axis whose values sum to 1 (default: the last).
    out : numpy.ndarray, optional
        Array of ``x``'s shape and (float) dtype to write the result into.

    Returns
    -------
    numpy.ndarray
        Probabilities of ``x``'s shape and float dtype.  A slice along ``axis``
        that holds NaN or ``+inf`` is all NaN.

    Examples
    --------
    >>> import nncore
    >>> nncore.softmax([0.3, 2.9, 4.0]).round(8)
    array([0.01821127, 0.24519181, 0.73659691])
    >>> nncore.softmax([1010, 1000, 990])
    array([9.99954600e-01, 4.53978686e-05, 2.06106005e-09])
    """
    x = as_float_array(x, "x")
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension for softmax; got a scalar")
    ax = _axis_index(axis, x.ndim)
    if out is not None:
        check_out(out, x.shape, x.dtype)
    moved = np.moveaxis(x, ax, -1)
    m = moved.shape[-1]
    rows = moved.size // m if m else int(np.prod(moved.shape[:-1]))
    src = np.ascontiguousarray(moved).reshape(rows, m)
    last = ax == x.ndim - 1
    if out is not None and last and writes_directly(out, src, may_alias=src):
        _kernels.impl.softmax_rows(src, out.reshape(rows, m))
        return out
    res = np.empty((rows, m), x.dtype)
    _kernels.impl.softmax_rows(src, res)
    res = np.moveaxis(res.reshape(moved.shape), -1, ax)
    if out is None:
        return res if last else np.ascontiguousarray(res)
    out[...] = res
    return out


def affine(x, W, b, out=None):
    """Affine transform ``x @ W + b`` of one sample or a batch.

    Parameters
    ----------
    x : array_like
        One sample ``(n_in,)`` or a batch ``(N, n_in)``.
    W : array_like
        Weights ``(n_in, n_out)``, the book's layout (PyTorch's ``Linear.weight``
        is the transpose).
    b : array_like
        Bias ``(n_out,)``, or a scalar added to every output.
    out : numpy.ndarray, optional
        Array of shape ``(n_out,)`` or ``(N, n_out)`` to write the result into.

    Returns
    -------
    numpy.ndarray
        ``(n_out,)`` for one sample, ``(N, n_out)`` for a batch.  The dtype is
        float32 when ``x`` and ``W`` are float32, else float64; ``b`` is cast to it.

    Raises
    ------
    ValueError
        When the shapes of ``x``, ``W`` and ``b`` do not chain.

    Examples
    --------
    >>> import nncore
    >>> nncore.affine([1, 2], [[1, 3, 5], [2, 4, 6]], 0)
    array([ 5., 11., 17.])
    >>> nncore.affine([[1, 0], [0, 1]], [[1, 3, 5], [2, 4, 6]], [0.5, 0.5, 0.5])
    array([[1.5, 3.5, 5.5],
           [2.5, 4.5, 6.5]])
    """
    x = as_float_array(x, "x")
    W = as_float_array(W, "W")
    check_ndim(x, "x", (1, 2))
    check_ndim(W, "W", (2,))
    n_in, n_out = W.shape
    if x.shape[-1] != n_in:
        raise ValueError(
            f"x and W do not chain: x has shape {x.shape} ({x.shape[-1]} inputs) but W has "
            f"shape {W.shape} ({n_in} inputs); x @ W needs x.shape[-1] == W.shape[0]"
        )
    dtype = common_dtype(x, W)
    b = as_float_array(b, "b", dtype=dtype)
    if b.ndim == 0:
        b = np.full(n_out, b, dtype)
    elif b.shape != (n_out,):
        raise ValueError(f"b must have shape ({n_out},) to match W of shape {W.shape}; got {b.shape}")
    out_shape = x.shape[:-1] + (n_out,)
    x2 = np.ascontiguousarray(x.reshape(x.shape[0] if x.ndim == 2 else 1, n_in), dtype=dtype)
    W = np.ascontiguousarray(W, dtype=dtype)
    b = np.ascontiguousarray(b)
    if out is not None:
        check_out(out, out_shape, dtype)
        if writes_directly(out, x2, W, b):
            _kernels.impl.affine(x2, W, b, out.reshape(x2.shape[0], n_out))
            return out
    res = np.empty((x2.shape[0], n_out), dtype)
    _kernels.impl.affine(x2, W, b, res)
    res = res.reshape(out_shape)
    if out is None:
        return res
    out[...] = res
    return out
