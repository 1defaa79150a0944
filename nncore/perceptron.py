"""Perceptrons and logic gates: the book's chapter 2.

A perceptron outputs 1 when ``w·x + b > 0`` and 0 otherwise.  AND, NAND and OR
are single perceptrons; XOR is not linearly separable and needs two layers:
``XOR(x1, x2) = AND(NAND(x1, x2), OR(x1, x2))``.
"""
from dataclasses import dataclass, field

import numpy as np

from . import _kernels
from ._validation import as_float_array, check_ndim, positive_int

__all__ = ["Perceptron", "PerceptronFit", "AND", "NAND", "OR", "XOR"]

_STEP = _kernels.ACTIVATION_CODES["step"]


@dataclass
class PerceptronFit:
    """What :meth:`Perceptron.fit` reports.

    Attributes
    ----------
    converged : bool
        True when an epoch classified every sample correctly.
    epochs : int
        Epochs run (at most ``max_epochs``).
    errors : list of int
        Misclassified samples in each epoch.
    """

    converged: bool
    epochs: int
    errors: list = field(default_factory=list)


class Perceptron:
    """A perceptron: ``1 if w·x + b > 0 else 0``.

    Parameters
    ----------
    w : array_like
        Weights, one per input, shape ``(n_inputs,)``.
    b : float
        Bias (the book's ``-θ``).

    Examples
    --------
    >>> import nncore
    >>> p = nncore.Perceptron([0.5, 0.5], -0.7)   # the book's AND
    >>> p([1, 1]), p([0, 1])
    (1, 0)
    >>> p([[0, 0], [1, 0], [0, 1], [1, 1]])
    array([0, 0, 0, 1])
    """

    def __init__(self, w, b):
        w = as_float_array(w, "w", dtype=np.float64)
        check_ndim(w, "w", (1,))
        if w.shape[0] == 0:
            raise ValueError("w must hold at least one weight")
        b = as_float_array(b, "b", dtype=np.float64)
        if b.ndim != 0 and b.shape != (1,):
            raise ValueError(f"b must be a single number; got shape {b.shape}")
        if not (np.all(np.isfinite(w)) and np.isfinite(b).all()):
            raise ValueError("w and b must be finite")
        self.w = w.copy()
        self.b = float(b.reshape(()))

    def __repr__(self):
        return f"Perceptron(w={self.w.tolist()}, b={self.b})"

    def predict(self, x):
        """0/1 output (int64) for one input ``(n_inputs,)`` or a batch ``(N, n_inputs)``."""
        x = as_float_array(x, "x", dtype=np.float64)
        check_ndim(x, "x", (1, 2))
        n = self.w.shape[0]
        if x.shape[-1] != n:
            raise ValueError(f"x has {x.shape[-1]} inputs per sample (shape {x.shape}) but the "
                             f"perceptron has {n} weights")
        if np.isnan(x).any():
            raise ValueError("x contains NaN: a perceptron's output would be undefined")
        x2 = np.ascontiguousarray(x if x.ndim == 2 else x.reshape(1, n))
        out = np.empty((x2.shape[0], 1))
        _kernels.impl.dense(x2, self.w.reshape(n, 1), np.array([self.b]), _STEP, out)
        y = out[:, 0].astype(np.int64)
        return y if x.ndim == 2 else y[0].item()

    __call__ = predict

    def fit(self, X, y, lr=0.1, max_epochs=100):
        """Learn ``w`` and ``b`` with Rosenblatt's rule, in place.

        For each sample: ``w += lr * (y - ŷ) * x`` and ``b += lr * (y - ŷ)``.  The
        rule converges on linearly separable data (AND, NAND, OR) and cannot on
        XOR: then it stops after ``max_epochs`` and says so in the result instead
        of looping forever.

        Parameters
        ----------
        X : array_like
            Inputs ``(N, n_inputs)``.
        y : array_like
            Targets, 0 or 1, shape ``(N,)``.
        lr : float
            Learning rate (> 0).
        max_epochs : int
            Upper bound on passes over the data.

        Returns
        -------
        PerceptronFit
            ``converged``, ``epochs`` and the misclassification count per epoch.

        Examples
        --------
        >>> import nncore
        >>> X = [[0, 0], [1, 0], [0, 1], [1, 1]]
        >>> p = nncore.Perceptron([0.0, 0.0], 0.0)
        >>> p.fit(X, [0, 0, 0, 1]).converged          # AND is linearly separable
        True
        >>> p.predict(X)
        array([0, 0, 0, 1])
        >>> result = nncore.Perceptron([0.0, 0.0], 0.0).fit(X, [0, 1, 1, 0])
        >>> result.converged, result.epochs           # XOR is not
        (False, 100)
        """
        X = as_float_array(X, "X", dtype=np.float64)
        check_ndim(X, "X", (2,))
        if X.shape[1] != self.w.shape[0]:
            raise ValueError(f"X has {X.shape[1]} inputs per sample but the perceptron has "
                             f"{self.w.shape[0]} weights")
        if not np.all(np.isfinite(X)):
            raise ValueError("X must be finite")
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},), one target per row of X; "
                             f"got {y.shape}")
        if y.dtype.kind not in "biuf" or not np.all((y == 0) | (y == 1)):
            raise ValueError("y must hold only 0 and 1")
        if not (isinstance(lr, (int, float)) and np.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a positive number; got {lr!r}")
        max_epochs = positive_int(max_epochs, "max_epochs")
        errors = []
        for epoch in range(1, int(max_epochs) + 1):
            wrong = 0
            for xi, target in zip(X, y):
                delta = float(target) - (1.0 if xi @ self.w + self.b > 0 else 0.0)
                if delta:
                    self.w += lr * delta * xi
                    self.b += lr * delta
                    wrong += 1
            errors.append(wrong)
            if wrong == 0:
                return PerceptronFit(True, epoch, errors)
        return PerceptronFit(False, int(max_epochs), errors)


def _gate(perceptron, x1, x2):
    a1 = as_float_array(x1, "x1")
    a2 = as_float_array(x2, "x2")
    try:
        a1, a2 = np.broadcast_arrays(a1, a2)
    except ValueError:
        raise ValueError(f"x1 and x2 must have the same shape; got {a1.shape} and {a2.shape}") \
            from None
    shape = a1.shape
    y = perceptron.predict(np.stack([a1.reshape(-1), a2.reshape(-1)], axis=1))
    return y.reshape(shape) if shape else y[0].item()


_AND = Perceptron([0.5, 0.5], -0.7)
_NAND = Perceptron([-0.5, -0.5], 0.7)
_OR = Perceptron([0.5, 0.5], -0.2)


def AND(x1, x2):
    """Logical AND as a perceptron (w = [0.5, 0.5], b = -0.7).

    Takes scalars or equal-shape arrays of 0/1 and returns 0/1 of that shape.

    >>> import nncore
    >>> [nncore.AND(a, b) for a, b in [(0, 0), (1, 0), (0, 1), (1, 1)]]
    [0, 0, 0, 1]
    """
    return _gate(_AND, x1, x2)


def NAND(x1, x2):
    """Logical NAND as a perceptron (w = [-0.5, -0.5], b = 0.7).

    >>> import nncore
    >>> nncore.NAND([0, 1, 0, 1], [0, 0, 1, 1])
    array([1, 1, 1, 0])
    """
    return _gate(_NAND, x1, x2)


def OR(x1, x2):
    """Logical OR as a perceptron (w = [0.5, 0.5], b = -0.2).

    >>> import nncore
    >>> nncore.OR([0, 1, 0, 1], [0, 0, 1, 1])
    array([0, 1, 1, 1])
    """
    return _gate(_OR, x1, x2)


def XOR(x1, x2):
    """Logical XOR as a two-layer perceptron: ``AND(NAND(x1, x2), OR(x1, x2))``.

    No single perceptron computes XOR (its classes are not linearly separable);
    stacking two layers does.

    >>> import nncore
    >>> nncore.XOR([0, 1, 0, 1], [0, 0, 1, 1])
    array([0, 1, 1, 0])
    """
    return AND(NAND(x1, x2), OR(x1, x2))
