"""Numerical differentiation: the book's central-difference gradient (chapter 4)."""
import numpy as np

__all__ = ["numerical_gradient"]


def numerical_gradient(f, x, h=1e-4):
    """Gradient of ``f`` at ``x`` by central differences, ``(f(x+h) - f(x-h)) / 2h``.

    ``x`` is changed one element at a time *in place* — so ``f`` may read ``x``
    (or a network's weights that ``x`` is) instead of its argument, as the book's
    ``lambda W: net.loss(x, t)`` does — and every element is restored exactly.

    Parameters
    ----------
    f : callable
        ``f(x)`` returning a number.
    x : numpy.ndarray
        A writeable float array of any shape; other array-likes are copied to a
        float64 array first (then ``f`` sees the copy).
    h : float
        The step (the book's 1e-4).

    Returns
    -------
    numpy.ndarray
        The gradient, of ``x``'s shape and dtype.

    Examples
    --------
    >>> import numpy as np, nncore
    >>> def f(x):
    ...     return x[0] ** 2 + x[1] ** 2
    >>> nncore.numerical_gradient(f, np.array([3.0, 4.0])).round(6)
    array([6., 8.])
    """
    if not callable(f):
        raise TypeError(f"f must be callable; got {type(f).__name__}")
    if not (isinstance(h, (int, float)) and np.isfinite(h) and h > 0):
        raise ValueError(f"h must be a positive number; got {h!r}")
    if not (isinstance(x, np.ndarray) and x.dtype.kind == "f" and x.flags.writeable):
        arr = np.asarray(x)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"x must be a numeric array; got dtype {arr.dtype}")
        x = arr.astype(np.float64)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        idx = it.multi_index
        saved = x[idx].copy()
        try:
            x[idx] = saved + h
            fxh1 = float(f(x))
            x[idx] = saved - h
            fxh2 = float(f(x))
        finally:
            x[idx] = saved
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        it.iternext()
    return grad
