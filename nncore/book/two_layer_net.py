"""``TwoLayerNet`` of chapters 4 and 5: Affine, activation, Affine, SoftmaxWithLoss."""
from collections import OrderedDict

import numpy as np

from .._params import LiveParams
from .._validation import as_float_array, positive_int
from . import _random
from .gradient import numerical_gradient
from .layers import Affine, Relu, Sigmoid, SoftmaxWithLoss

__all__ = ["TwoLayerNet"]

_HIDDEN = {"relu": Relu, "sigmoid": Sigmoid}


class TwoLayerNet:
    """The book's two-layer network, built from its chapter-5 layers.

    Parameters
    ----------
    input_size, hidden_size, output_size : int
        Layer widths (784, 50, 10 for MNIST).
    weight_init_std : float
        Standard deviation of the normal initial weights; biases start at 0.
    activation : {"relu", "sigmoid"}
        The hidden layer: ``"relu"`` as in chapter 5, ``"sigmoid"`` as in chapter 4.
    rng : None, int, numpy.random.Generator or numpy.random.RandomState
        Where the initial weights come from.  ``None`` uses numpy's global state,
        as the book does, so ``np.random.seed(s)`` before construction gives the
        book's weights for that seed.

    Attributes
    ----------
    params : mapping
        ``W1, b1, W2, b2``, the arrays the layers use: update them in place
        (``params["W1"] -= lr * grad["W1"]``) or assign (values are copied in).
    layers : OrderedDict
        ``Affine1``, ``Relu1`` (or ``Sigmoid1``), ``Affine2``.
    lastLayer : SoftmaxWithLoss

    Examples
    --------
    >>> import numpy as np
    >>> from nncore.book import TwoLayerNet
    >>> net = TwoLayerNet(input_size=4, hidden_size=5, output_size=3, rng=0)
    >>> x, t = np.ones((2, 4)), np.array([[0, 1, 0], [0, 0, 1]])
    >>> grad = net.gradient(x, t)
    >>> num = net.numerical_gradient(x, t)
    >>> all(np.abs(grad[k] - num[k]).max() < 1e-7 for k in grad)
    True
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01,
                 activation="relu", rng=None):
        sizes = [positive_int(input_size, "input_size"), positive_int(hidden_size, "hidden_size"),
                 positive_int(output_size, "output_size")]
        if activation not in _HIDDEN:
            raise ValueError(f"activation must be 'relu' or 'sigmoid'; got {activation!r}")
        if not (isinstance(weight_init_std, (int, float)) and np.isfinite(weight_init_std)
                and weight_init_std >= 0):
            raise ValueError(f"weight_init_std must be a number >= 0; got {weight_init_std!r}")
        gen = _random.source(rng)
        draw = lambda *shape: gen.normal(0.0, 1.0, shape)  # noqa: E731  (the book's randn)
        arrays = {
            "W1": weight_init_std * draw(sizes[0], sizes[1]),
            "b1": np.zeros(sizes[1]),
            "W2": weight_init_std * draw(sizes[1], sizes[2]),
            "b2": np.zeros(sizes[2]),
        }
        self.params = LiveParams(arrays)
        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(arrays["W1"], arrays["b1"])
        name = activation.capitalize() + "1"
        self.layers[name] = _HIDDEN[activation]()
        self.layers["Affine2"] = Affine(arrays["W2"], arrays["b2"])
        self.lastLayer = SoftmaxWithLoss()

    def predict(self, x):
        """The output layer's scores (before softmax) for a batch ``(N, input_size)``."""
        x = as_float_array(x, "x")
        n_in = self.params["W1"].shape[0]
        if x.ndim not in (1, 2) or x.shape[-1] != n_in:
            raise ValueError(f"x must have shape ({n_in},) or (N, {n_in}); got {x.shape}")
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        """Cross-entropy of the softmax of :meth:`predict`, with the book's ``1e-7``."""
        return self.lastLayer.forward(self.predict(x), t)

    def accuracy(self, x, t):
        """Fraction of rows whose largest score is the target (labels or one-hot)."""
        y = np.argmax(self.predict(x), axis=-1)
        t = np.asarray(t)
        if t.ndim != 1:
            t = np.argmax(t, axis=-1)
        if t.shape != y.shape:
            raise ValueError(f"t must hold one label or one-hot row per sample ({y.shape[0]}); "
                             f"got shape {np.shape(t)}")
        if y.size == 0:
            raise ValueError("x holds no samples: the accuracy of an empty batch is undefined")
        return float(np.sum(y == t)) / float(y.shape[0])

    def numerical_gradient(self, x, t):
        """Gradients by central differences (slow: two losses per weight)."""
        loss_W = lambda W: self.loss(x, t)  # noqa: E731  (reads the weights, not W)
        return {key: numerical_gradient(loss_W, self.params[key])
                for key in ("W1", "b1", "W2", "b2")}

    def gradient(self, x, t):
        """Gradients by backpropagation: forward, then every layer's backward in reverse."""
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        first, second = self.layers["Affine1"], self.layers["Affine2"]
        return {"W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}
