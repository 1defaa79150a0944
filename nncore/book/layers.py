"""Chapter 5's layers: each one a ``forward`` that remembers what its ``backward`` needs.

``MulLayer`` and ``AddLayer`` are the computational-graph nodes of the shopping
example; ``Affine``, ``Relu``, ``Sigmoid`` and ``SoftmaxWithLoss`` are the layers of
the book's ``TwoLayerNet``, running on nncore's kernels.  Unlike the book's ``Relu``,
``backward`` never writes into the ``dout`` it is given.
"""
import numpy as np

from .. import functions as _f
from .. import losses as _losses
from .._validation import as_float_array

__all__ = ["MulLayer", "AddLayer", "Affine", "Relu", "Sigmoid", "SoftmaxWithLoss"]


def _after_forward(value, layer):
    if value is None:
        raise RuntimeError(f"{type(layer).__name__}.backward needs forward to be called first")


class MulLayer:
    """``out = x * y``; backward sends ``dout * y`` to ``x`` and ``dout * x`` to ``y``.

    The book's apples (``buy_apple.py``):

    >>> from nncore.book import MulLayer
    >>> mul_apple, mul_tax = MulLayer(), MulLayer()
    >>> price = mul_tax.forward(mul_apple.forward(100, 2), 1.1)
    >>> int(price)
    220
    >>> dapple_price, dtax = mul_tax.backward(1)
    >>> dapple, dapple_num = mul_apple.backward(dapple_price)
    >>> dapple, int(dapple_num), dtax
    (2.2, 110, 200)
    """

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        _after_forward(self.x, self)
        return dout * self.y, dout * self.x   # d(xy)/dx = y, d(xy)/dy = x


class AddLayer:
    """``out = x + y``; backward passes ``dout`` on to both inputs unchanged.

    >>> from nncore.book import AddLayer
    >>> add = AddLayer()
    >>> add.forward(200, 450)
    650
    >>> add.backward(1.1)
    (1.1, 1.1)
    """

    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return dout * 1, dout * 1   # d(x+y)/dx = d(x+y)/dy = 1


class Relu:
    """``max(0, x)``; backward zeroes the gradient where ``x <= 0``.

    >>> import numpy as np
    >>> from nncore.book import Relu
    >>> relu = Relu()
    >>> relu.forward(np.array([[1.0, -0.5], [-2.0, 3.0]]))
    array([[1., 0.],
           [0., 3.]])
    >>> relu.backward(np.ones((2, 2)))
    array([[1., 0.],
           [0., 1.]])
    """

    def __init__(self):
        self.mask = None

    def forward(self, x):
        x = as_float_array(x, "x")
        self.mask = x <= 0
        return _f.relu(x)

    def backward(self, dout):
        _after_forward(self.mask, self)
        dout = as_float_array(dout, "dout")
        return np.where(self.mask, dout.dtype.type(0), dout)


class Sigmoid:
    """``sigmoid(x)``; backward multiplies by ``out * (1 - out)``, from the output.

    >>> from nncore.book import Sigmoid
    >>> s = Sigmoid()
    >>> s.forward([0.0, 2.0]).round(6)
    array([0.5     , 0.880797])
    >>> s.backward([1.0, 1.0]).round(6)
    array([0.25    , 0.104994])
    """

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = _f.sigmoid(x)
        return self.out

    def backward(self, dout):
        _after_forward(self.out, self)
        dout = as_float_array(dout, "dout")
        return dout * (1.0 - self.out) * self.out


class Affine:
    """``x @ W + b``; backward gives ``dx = dout @ W.T`` and stores ``dW``, ``db``.

    ``W`` and ``b`` are kept by reference (not copied), as in the book: updating
    ``params["W1"]`` in place updates the layer.  Input of more than two
    dimensions is flattened per sample, and ``dx`` has the input's shape.

    >>> import numpy as np
    >>> from nncore.book import Affine
    >>> layer = Affine(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -0.5]))
    >>> layer.forward(np.array([[1.0, 1.0]]))
    array([[4.5, 5.5]])
    >>> layer.backward(np.array([[1.0, 0.0]]))
    array([[1., 3.]])
    >>> layer.dW, layer.db
    (array([[1., 0.],
           [1., 0.]]), array([1., 0.]))
    """

    def __init__(self, W, b):
        if not isinstance(W, np.ndarray) or W.ndim != 2:
            raise ValueError(f"W must be a 2-D numpy array (n_in, n_out); got "
                             f"{type(W).__name__} of shape {np.shape(W)}")
        if not isinstance(b, np.ndarray) or b.shape != (W.shape[1],):
            raise ValueError(f"b must be a numpy array of shape ({W.shape[1]},) to match W of "
                             f"shape {W.shape}; got shape {np.shape(b)}")
        self.W, self.b = W, b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        x = as_float_array(x, "x")
        if x.ndim == 0:
            raise ValueError("x must be one sample (n_in,) or a batch (N, ...); got a scalar")
        self.original_x_shape = x.shape
        per_sample = int(np.prod(x.shape[1:])) if x.ndim > 1 else x.shape[0]
        self.x = x.reshape(x.shape[0] if x.ndim > 1 else 1, per_sample)
        out = _f.affine(self.x, self.W, self.b)
        return out if x.ndim > 1 else out[0]

    def backward(self, dout):
        _after_forward(self.x, self)
        dout = as_float_array(dout, "dout")
        d2 = dout.reshape(self.x.shape[0], self.W.shape[1])
        # the products on nncore's affine kernel, with a zero bias
        dtype = np.result_type(self.x, d2, self.W)
        self.dW = _f.affine(self.x.T, d2, np.zeros(d2.shape[1], dtype))   # x transposed
        self.db = d2.sum(axis=0)                                           # b: every row
        dx = _f.affine(d2, self.W.T, np.zeros(self.W.shape[0], dtype))   # W transposed
        return dx.reshape(self.original_x_shape)


class SoftmaxWithLoss:
    """Softmax and cross-entropy as one layer; backward is ``(y - t) / N``.

    ``t`` holds one-hot rows or labels.  ``loss`` includes the book's ``1e-7``
    inside the log; the gradient is the exact one of the loss without it, as in
    the book.

    >>> import numpy as np
    >>> from nncore.book import SoftmaxWithLoss
    >>> layer = SoftmaxWithLoss()
    >>> round(layer.forward(np.array([[0.0, 0.0]]), np.array([1])), 6)
    0.693147
    >>> layer.backward()
    array([[ 0.5, -0.5]])
    """

    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        x = as_float_array(x, "x")
        self.y = _f.softmax(x, axis=-1)
        self.loss = _losses.cross_entropy_error(self.y, t)   # validates t against y
        self.t = np.asarray(t)
        return self.loss

    def backward(self, dout=1):
        _after_forward(self.y, self)
        y = self.y.reshape(1, -1) if self.y.ndim == 1 else self.y
        n = y.shape[0]
        if self.t.size == y.size:  # one-hot
            dx = (y - self.t.reshape(y.shape)) / n
        else:
            dx = y.copy()
            dx[np.arange(n), self.t.reshape(-1).astype(np.int64)] -= 1
            dx = dx / n
        return (dx * dout).reshape(self.y.shape)
