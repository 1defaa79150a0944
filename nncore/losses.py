"""Loss functions of the book's chapter 4, under its names."""
import numpy as np

from ._validation import as_float_array, check_label_values

__all__ = ["mean_squared_error", "cross_entropy_error"]

#: Added inside the log so that a zero probability gives a large, finite loss (the book's 1e-7).
DELTA = 1e-7


def _checked_y(y):
    y = as_float_array(y, "y")
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be one sample (n,) or a batch (N, n); got shape {y.shape}")
    return y


def mean_squared_error(y, t):
    """Half the sum of squared errors, ``0.5 * sum((y - t) ** 2)``.

    For a batch ``(N, n)`` it is the mean over the samples of that per-sample value.

    Parameters
    ----------
    y : array_like
        Network output, ``(n,)`` or ``(N, n)``.
    t : array_like
        Target of the same shape.

    Returns
    -------
    float

    Examples
    --------
    >>> import nncore
    >>> t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    >>> y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
    >>> round(nncore.mean_squared_error(y, t), 4)
    0.0975
    """
    y = _checked_y(y)
    t = as_float_array(t, "t")
    if t.shape != y.shape:
        raise ValueError(f"t must have the shape of y {y.shape}; got {t.shape}")
    if y.size == 0 and y.ndim == 2 and y.shape[0] == 0:
        raise ValueError("y holds no samples: the loss of an empty batch is undefined")
    with np.errstate(all="ignore"):  # NaN/inf give NaN/inf, silently, as everywhere in nncore
        diff = y.astype(np.float64) - t
        per_sample = 0.5 * np.sum(diff * diff, axis=-1)
        return float(np.mean(per_sample))


def cross_entropy_error(y, t):
    """Cross-entropy ``-sum(t * log(y + 1e-7))``, averaged over a batch.

    ``t`` may be one-hot (the shape of ``y``) or class labels (one per sample).

    Parameters
    ----------
    y : array_like
        Probabilities, ``(n,)`` or ``(N, n)``.
    t : array_like
        One-hot targets of ``y``'s shape, or integer labels ``()`` / ``(N,)``.

    Returns
    -------
    float

    Examples
    --------
    >>> import nncore
    >>> y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
    >>> round(nncore.cross_entropy_error(y, [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]), 4)
    0.5108
    >>> round(nncore.cross_entropy_error(y, 7), 4)   # the label instead of one-hot
    2.3026
    """
    y = _checked_y(y)
    t = np.asarray(t)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"t must hold labels or one-hot rows; got dtype {t.dtype}")
    y2 = y.reshape(1, -1) if y.ndim == 1 else y
    if y2.shape[0] == 0:
        raise ValueError("y holds no samples: the loss of an empty batch is undefined")
    if t.size == y2.size:  # one-hot, as the book decides
        labels = np.argmax(t.reshape(y2.shape), axis=1)
    else:
        labels = t.reshape(-1)
        if labels.shape[0] != y2.shape[0]:
            raise ValueError(f"t must be one-hot of shape {y.shape} or one label per sample "
                             f"({y2.shape[0]}); got shape {t.shape}")
        labels = check_label_values(labels, y2.shape[1])
    picked = y2[np.arange(y2.shape[0]), labels].astype(np.float64)
    with np.errstate(all="ignore"):  # a negative or NaN "probability" gives NaN, silently
        return float(-np.mean(np.log(picked + DELTA)))
