"""``neuralNetwork`` of Tariq Rashid's *Make Your Own Neural Network*.

Its conventions differ from *Deep Learning from Scratch*: weights are
``(out, in)`` (``wih`` is hidden x input), there are no biases, samples are
*columns* (``query`` returns an ``(onodes, 1)`` column), targets are 0.01..0.99,
and ``train`` takes one sample and updates the weights at once by the book's
rule: each layer's error times the sigmoid's slope, the hidden error being the
output error sent back through ``who``.  The sigmoid and train's update of the
weights are nncore's kernels.  :func:`rotate_inputs` makes the rotated copies of the
training records that the book's part 3 adds to the training data (it needs scipy).
"""
import math

import numpy as np

from .. import _kernels
from .. import functions as _f
from .._validation import as_float_array, check_ndim, positive_int
from . import _random

__all__ = ["neuralNetwork", "rotate_inputs"]

_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _logit(y):
    """Inverse of the sigmoid, ``log(y / (1 - y))`` (scipy's ``logit``)."""
    with np.errstate(divide="ignore"):
        return np.log(y) - np.log1p(-y)


def _rescale(v):
    """Shift and scale ``v`` into 0.01..0.99, as backquery does between layers."""
    v = v - np.min(v)
    top = np.max(v)
    if top > 0:
        v = v / top
    return v * 0.98 + 0.01


class neuralNetwork:  # noqa: N801 - the book's name
    """Three layers, sigmoid everywhere, trained one sample at a time.

    Parameters
    ----------
    inputnodes, hiddennodes, outputnodes : int
        Layer widths (784, 200, 10 for MNIST in the book).
    learningrate : float
        The book's ``lr`` (0.1 for MNIST).
    rng : None, int, numpy.random.Generator or numpy.random.RandomState
        Source of the initial weights, normal with standard deviation
        ``1 / sqrt(nodes in the layer before)``.  ``None`` uses numpy's global
        state, as the book does.

    Examples
    --------
    >>> from nncore.book import neuralNetwork
    >>> n = neuralNetwork(3, 3, 3, 0.3, rng=0)
    >>> n.wih.shape, n.query([1.0, 0.5, -1.5]).shape
    ((3, 3), (3, 1))
    >>> for _ in range(300):
    ...     n.train([1.0, 0.5, -1.5], [0.99, 0.01, 0.01])
    >>> int(n.query([1.0, 0.5, -1.5]).argmax())
    0
    """

    def __init__(self, inputnodes, hiddennodes, outputnodes, learningrate, rng=None):
        self.inodes = positive_int(inputnodes, "inputnodes")
        self.hnodes = positive_int(hiddennodes, "hiddennodes")
        self.onodes = positive_int(outputnodes, "outputnodes")
        if not (isinstance(learningrate, (int, float)) and np.isfinite(learningrate)
                and learningrate > 0):
            raise ValueError(f"learningrate must be a positive number; got {learningrate!r}")
        normal = _random.source(rng).normal
        self.wih = normal(0.0, self.inodes ** -0.5, (self.hnodes, self.inodes))
        self.who = normal(0.0, self.hnodes ** -0.5, (self.onodes, self.hnodes))
        self.lr = float(learningrate)
        self.activation_function = _f.sigmoid
        self.inverse_activation_function = _logit

    def _columns(self, values, n, name):
        if type(values) is np.ndarray and values.dtype == np.float64 and values.shape == (n,):
            return values.reshape(n, 1)   # one sample, as the notebooks pass it: a view
        a = as_float_array(values, name)
        if a.ndim > 2 or a.shape[-1:] != (n,):
            raise ValueError(f"{name} must hold {n} values per sample, (n,) or (N, {n}); got "
                             f"shape {a.shape}")
        return np.array(a, ndmin=2, dtype=np.float64).T   # one column per sample

    def _forward(self, inputs):
        hidden_outputs = self.activation_function(self.wih @ inputs)
        return hidden_outputs, self.activation_function(self.who @ hidden_outputs)

    def train(self, inputs_list, targets_list):
        """One update from one sample (or a batch's summed update, given rows)."""
        inputs = self._columns(inputs_list, self.inodes, "inputs_list")
        targets = self._columns(targets_list, self.onodes, "targets_list")
        if targets.shape[1] != inputs.shape[1]:
            raise ValueError(f"inputs_list has {inputs.shape[1]} samples but targets_list has "
                             f"{targets.shape[1]}")
        hidden_outputs, final_outputs = self._forward(inputs)
        output_errors = targets - final_outputs
        hidden_errors = self.who.T @ output_errors      # errors split back by the weights
        # each layer: error * sigmoid'(from its output) times the inputs into that layer
        self._update(self.who, output_errors * final_outputs * (1.0 - final_outputs),
                     hidden_outputs)
        self._update(self.wih, hidden_errors * hidden_outputs * (1.0 - hidden_outputs), inputs)

    def _update(self, weights, delta, inputs):
        """``weights += lr * (delta @ inputs.T)``, the book's update, in place.

        For one sample ``delta @ inputs.T`` is an outer product: a kernel adds
        ``lr * delta[i] * inputs[j]`` to each weight in one pass, with the same
        roundings as the book's expression and no new ``weights``-sized array."""
        if delta.shape[1] != 1:
            weights += self.lr * (delta @ inputs.T)   # a batch's summed update
            return
        d, x = delta[:, 0], inputs[:, 0]
        if (type(weights) is np.ndarray and weights.flags.c_contiguous
                and weights.flags.writeable and weights.dtype in _KERNEL_DTYPES
                and d.dtype == x.dtype == weights.dtype):
            # the kernel reads d and x while it writes weights: never from weights itself
            if not x.flags.c_contiguous or np.may_share_memory(x, weights):
                x = x.copy()
            if not d.flags.c_contiguous or np.may_share_memory(d, weights):
                d = d.copy()
            _kernels.impl.rank1_update(weights, d, x, self.lr)
        else:   # weights a user replaced by another layout or dtype: NumPy's arithmetic
            weights += self.lr * np.multiply.outer(d, x)

    def query(self, inputs_list):
        """The output column ``(onodes, 1)`` for one sample (``(onodes, N)`` for N rows)."""
        return self._forward(self._columns(inputs_list, self.inodes, "inputs_list"))[1]

    def backquery(self, targets_list):
        """The input column that the network maps closest to ``targets_list``.

        Runs the network backwards: the inverse sigmoid of the targets through
        ``who.T``, rescaled into 0.01..0.99, the inverse sigmoid again, through
        ``wih.T`` and rescaled.  Targets must lie strictly between 0 and 1.
        """
        final_outputs = self._columns(targets_list, self.onodes, "targets_list")
        if not np.all((final_outputs > 0) & (final_outputs < 1)):
            raise ValueError("targets_list must lie strictly between 0 and 1 (the sigmoid's "
                             "range) to be run backwards")
        final_inputs = self.inverse_activation_function(final_outputs)
        hidden_outputs = _rescale(self.who.T @ final_inputs)
        hidden_inputs = self.inverse_activation_function(hidden_outputs)
        return _rescale(self.wih.T @ hidden_inputs)


def _real(value, name):
    """``value`` as a float when it is a finite real number (not a bool), else ValueError."""
    if not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating)):
        try:
            number = float(value)
        except OverflowError:   # an int beyond float's range
            number = math.inf
        if math.isfinite(number):
            return number
    raise ValueError(f"{name} must be a finite real number; got {value!r}")


def rotate_inputs(inputs, angle, cval=0.01):
    """Rotate scaled records by ``angle`` degrees, as the book's part 3 does.

    Each record, a square image flattened row by row (784 values for MNIST's
    28 x 28), is turned anticlockwise (as displayed) about its centre with
    ``scipy.ndimage.rotate(image, angle, reshape=False, order=1, cval=cval)``:
    linear interpolation, the image keeps its size, and the corners that the
    rotation brings in are filled with ``cval``, 0.01 being the background of
    records scaled by ``/ 255 * 0.99 + 0.01``.  The result is scipy's, bit for
    bit, for one record or for each row of a batch.

    Parameters
    ----------
    inputs : array_like
        One record ``(n * n,)`` or records ``(N, n * n)``; float32 and float64
        stay as they are, integers become float64.
    angle : float
        Degrees; the book trains on ``+10`` and ``-10``.
    cval : float
        The value of pixels that come from outside the image.

    Returns
    -------
    numpy.ndarray
        The rotated records, of the shape and float dtype of ``inputs``.

    Raises
    ------
    ImportError
        If scipy is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> from nncore.book import rotate_inputs
    >>> image = np.full((5, 5), 0.01)
    >>> image[2, 4] = 0.99                       # a dot right of the centre
    >>> print(rotate_inputs(image.reshape(25), 90.0).reshape(5, 5))   # a quarter turn
    [[0.01 0.01 0.99 0.01 0.01]
     [0.01 0.01 0.01 0.01 0.01]
     [0.01 0.01 0.01 0.01 0.01]
     [0.01 0.01 0.01 0.01 0.01]
     [0.01 0.01 0.01 0.01 0.01]]
    >>> rotate_inputs(np.tile(image.reshape(25), (3, 1)), -10.0).shape
    (3, 25)
    """
    try:
        from scipy import ndimage
    except ImportError:
        raise ImportError("rotate_inputs needs scipy: pip install scipy (the test, docs and "
                          "sklearn extras of nncore-dlfs bring it)") from None
    x = as_float_array(inputs, "inputs")
    check_ndim(x, "inputs", (1, 2))
    side = math.isqrt(x.shape[-1])
    if side == 0 or side * side != x.shape[-1]:
        raise ValueError("inputs must hold square images flattened row by row, n * n values "
                         f"per record; got shape {x.shape}")
    angle, cval = _real(angle, "angle"), _real(cval, "cval")
    if x.size == 0:
        return x.copy()
    images = x.reshape(x.shape[:-1] + (side, side))
    # scipy's default axes for one image, (1, 0), are the last two of a batch
    rotated = ndimage.rotate(images, angle, axes=(images.ndim - 1, images.ndim - 2),
                             reshape=False, order=1, cval=cval)
    return rotated.reshape(x.shape)
