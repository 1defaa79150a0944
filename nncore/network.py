"""Layers and networks: the multi-layer perceptron of the book's chapter 3.

A :class:`Network` is a chain of :class:`Dense` layers followed by an output
activation.  On the compiled backend its whole forward pass runs as one call into
the extension, without the GIL, pushing blocks of rows through every layer.
"""
import numpy as np

from . import _kernels, _layers, _memory, _onnx_write, interop, training
from ._params import LiveParams
from ._validation import (as_batch, as_float_array, as_labels, as_rng, check_dtype, check_ndim,
                          key_difference, param_names, positive_int)

__all__ = ["Dense", "Network", "ACTIVATIONS", "OUTPUTS"]

#: Activation names a hidden layer accepts.
ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity", "step")
#: Output activations: regression, binary and multi-class classification.
OUTPUTS = ("identity", "sigmoid", "softmax")

_CODES = _kernels.ACTIVATION_CODES


def _check_name(value, allowed, what):
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def _array_property(name, doc):
    """A layer array: reads give a view, assignments a checked copy (see Dense)."""
    private = "_" + name

    def get(self):
        return getattr(self, private).view()

    def set(self, value):
        setattr(self, private, self._checked(value, name, getattr(self, private)))
        _layers.bump()

    return property(get, set, doc=f"{doc}; assigning checks the shape and casts to the "
                                  "layer's dtype.")


class Dense:
    """A fully connected layer ``activation(x @ W + b)``.

    Parameters
    ----------
    W : array_like
        Weights of shape ``(n_in, n_out)`` (the book's layout; PyTorch's
        ``Linear.weight`` is its transpose).  Any memory order is accepted.
    b : array_like
        Bias of shape ``(n_out,)``; cast to ``W``'s dtype.
    activation : str
        One of ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"identity"``, ``"step"``.

    Attributes
    ----------
    W, b : numpy.ndarray
        Views of the layer's own C-contiguous copies.  Changing their values in
        place changes the layer (that is how optimizers train it).  Assigning
        ``layer.W = ...`` copies the new values (cast to the layer's dtype); a
        different shape raises ValueError.

    Examples
    --------
    >>> import nncore
    >>> layer = nncore.Dense([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], [0.1, 0.2, 0.3], "sigmoid")
    >>> layer.forward([1.0, 0.5]).round(8)
    array([0.57444252, 0.66818777, 0.75026011])
    >>> layer
    Dense(n_in=2, n_out=3, activation='sigmoid', dtype=float64)
    """

    def __init__(self, W, b, activation="sigmoid"):
        activation = _check_name(activation, ACTIVATIONS, "activation")
        W = as_float_array(W, "W")
        check_ndim(W, "W", (2,))
        b = as_float_array(b, "b", dtype=W.dtype)
        if b.shape != (W.shape[1],):
            raise ValueError(
                f"b must have shape ({W.shape[1]},) to match W of shape {W.shape}; got {b.shape}"
            )
        self._W = np.array(W, order="C", copy=True)
        self._b = np.array(b, order="C", copy=True)
        self._activation = activation
        _layers.bump()

    # W, b and activation are properties: an assignment is checked and copied here,
    # and noticed by every network holding the layer before its next call.  Reads
    # give a view of the layer's own array: in-place changes of values reach the
    # layer, but reshaping or retyping the view (``layer.W.shape = ...``) cannot
    # change what a cached plan reads.

    W = _array_property("W", "Weights ``(n_in, n_out)``")
    b = _array_property("b", "Bias ``(n_out,)``")

    @property
    def activation(self):
        """The activation's name; assignable, checked like the argument."""
        return self._activation

    @activation.setter
    def activation(self, value):
        self._activation = _check_name(value, ACTIVATIONS, "activation")
        _layers.bump()

    @staticmethod
    def _checked(value, name, current):
        """``value`` as a new C-contiguous array of ``current``'s shape and dtype."""
        value = as_float_array(value, name)
        if value.shape != current.shape:
            raise ValueError(
                f"{name} must keep the layer's shape {current.shape}; got {value.shape} "
                "(to change a layer's size, put a new Dense in net.layers)")
        return np.array(value, dtype=current.dtype, order="C", copy=True)

    @property
    def n_in(self):
        """Number of inputs."""
        return self._W.shape[0]

    @property
    def n_out(self):
        """Number of outputs."""
        return self._W.shape[1]

    @property
    def dtype(self):
        """The layer's float dtype."""
        return self._W.dtype

    def forward(self, x):
        """``activation(x @ W + b)`` for one sample ``(n_in,)`` or a batch ``(N, n_in)``."""
        x2, single = as_batch(x, self.n_in, self.dtype, owner="the layer")
        out = np.empty((x2.shape[0], self.n_out), self.dtype)
        _kernels.impl.dense(x2, self._W, self._b, _CODES[self._activation], out)
        return out[0] if single else out

    def __repr__(self):
        return (f"Dense(n_in={self.n_in}, n_out={self.n_out}, "
                f"activation={self.activation!r}, dtype={self.dtype})")


class Network:
    """A multi-layer network: Dense layers, then an output activation.

    Parameters
    ----------
    layers : sequence of Dense
        At least one layer; each layer's ``n_out`` must equal the next one's
        ``n_in``, and all layers must share one dtype.
    output : str
        Output activation applied after the last layer (typically one with
        ``"identity"`` activation): ``"identity"`` for regression, ``"sigmoid"``
        for binary and ``"softmax"`` for multi-class classification.

    Examples
    --------
    The book's 3-layer example (section 3.4.3):

    >>> import numpy as np, nncore
    >>> net = nncore.Network.from_params({
    ...     "W1": [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], "b1": [0.1, 0.2, 0.3],
    ...     "W2": [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]], "b2": [0.1, 0.2],
    ...     "W3": [[0.1, 0.3], [0.2, 0.4]], "b3": [0.1, 0.2]},
    ...     activation="sigmoid", output="identity")
    >>> net.predict([1.0, 0.5]).round(8)
    array([0.31682708, 0.69627909])
    >>> net
    Network(sizes=[2, 3, 2, 2], activations=['sigmoid', 'sigmoid', 'identity'], output='identity', dtype=float64)
    """

    def __init__(self, layers, output="softmax"):
        self._plans = None
        self.output = output
        self.layers = layers

    # ``layers`` and ``output`` are properties: an assignment is checked at once; a
    # change inside the layer list or to a layer is noticed before the next call
    # (see nncore/_layers.py), so the cached plan never outlives what it reads.

    @property
    def layers(self):
        """The Dense layers, a list: assign to it or change it, the next call checks it."""
        return self._layers

    @layers.setter
    def layers(self, layers):
        if isinstance(layers, (str, bytes, Dense)) or not hasattr(layers, "__iter__"):
            raise TypeError(f"layers must be a sequence of Dense layers; got "
                            f"{type(layers).__name__}")
        layers = _layers.LayerList(layers)
        _check_layers(layers)
        self._layers = layers
        self._seen = None
        _layers.bump()

    @property
    def output(self):
        """The output activation's name (assignable)."""
        return self._output

    @output.setter
    def output(self, value):
        self._output = _check_name(value, OUTPUTS, "output")

    def _check(self):
        """Check the layers again if anything was assigned since the last call.

        On a change of any layer, weight array or activation the cached plans are
        dropped; layers that no longer chain raise here, before any kernel runs.
        """
        gen = _layers.generation()
        if self._seen == gen:
            return
        key = [_state_of(layer) for layer in self._layers]
        if self._seen is None or not _same_state(key, self._key):
            _check_layers(self._layers)
            self._plans = None
            self._key = key
        self._seen = gen

    # ----------------------------------------------------------- construction

    @classmethod
    def from_params(cls, params, activation="sigmoid", output="softmax", dtype=None):
        """Build a network from a book-style dict ``{"W1", "b1", "W2", "b2", ...}``.

        Parameters
        ----------
        params : mapping
            ``W1 .. Wn`` of shapes ``(n_0, n_1) .. (n_{n-1}, n_n)`` and ``b1 .. bn``,
            any depth; other keys are refused.
        activation : str
            Activation of every layer but the last (the last is ``"identity"``).
        output : str
            Output activation.
        dtype : {None, float32, float64}
            Convert the weights to this dtype; by default they keep theirs (mixed
            float32/float64 weights become float64).

        Examples
        --------
        >>> import nncore
        >>> net = nncore.Network.from_params({"W1": [[1.0, -1.0]], "b1": [0.0, 0.0]},
        ...                                  output="softmax")
        >>> net.predict([2.0]).round(4)
        array([0.982, 0.018])
        """
        dtype = check_dtype(dtype)
        if not hasattr(params, "keys"):
            raise TypeError(f"params must be a dict of arrays; got {type(params).__name__}")
        n = sum(1 for k in params if isinstance(k, str) and k.startswith("W"))
        difference = key_difference(params, param_names(n))
        if n == 0 or difference:
            raise ValueError("params must hold W1, b1, ..., Wn, bn for n >= 1"
                             + (f"; {difference}" if difference else ""))
        Ws = [as_float_array(params[f"W{i}"], f"W{i}") for i in range(1, n + 1)]
        if dtype is None:
            dtype = np.result_type(*Ws)
        layers = []
        for i, W in enumerate(Ws, start=1):
            W = W.astype(dtype, copy=False)
            check_ndim(W, f"W{i}", (2,))
            b = as_float_array(params[f"b{i}"], f"b{i}", dtype=dtype)
            if b.shape != (W.shape[1],):
                raise ValueError(
                    f"b{i} must have shape ({W.shape[1]},) to match W{i} of shape {W.shape}; "
                    f"got {b.shape}"
                )
            layers.append(Dense(W, b, activation if i < n else "identity"))
        return cls(layers, output=output)

    @classmethod
    def init(cls, sizes, activation="sigmoid", output="softmax", weight_init=0.01,
             dtype=np.float64, rng=None):
        """A network with random weights and zero biases.

        Parameters
        ----------
        sizes : sequence of int
            Layer widths from input to output, e.g. ``[784, 50, 100, 10]``.
        activation, output : str
            Hidden activation and output activation.
        weight_init : float or {"xavier", "he"}
            Standard deviation of the normal weights (the book uses 0.01), or
            ``"xavier"`` (``sqrt(1 / n_in)``, for sigmoid and tanh) or ``"he"``
            (``sqrt(2 / n_in)``, for ReLU).
        dtype : {float64, float32}
            The network's dtype.
        rng : None, int, numpy.random.Generator or numpy.random.RandomState
            Seed or generator; numpy's global random state is never used.  A
            ``RandomState`` draws what the book's ``weight_init_std *
            np.random.randn(...)`` draws from the same state.

        Examples
        --------
        >>> import nncore
        >>> net = nncore.Network.init([784, 50, 10], activation="relu", weight_init="he", rng=0)
        >>> net.sizes
        [784, 50, 10]
        """
        dtype = check_dtype(dtype, "dtype")
        try:
            sizes = [int(s) for s in sizes]
        except (TypeError, ValueError):
            raise TypeError(f"sizes must be a sequence of integers; got {sizes!r}") from None
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must hold at least two positive widths; got {sizes}")
        _memory.check(_memory.network_bytes(sizes, dtype.itemsize), f"Network.init: sizes {sizes}")
        if isinstance(weight_init, str):
            _check_name(weight_init, ("xavier", "he"), "weight_init")
        elif not (isinstance(weight_init, (int, float)) and weight_init >= 0):
            raise ValueError(f"weight_init must be 'xavier', 'he' or a standard deviation >= 0; "
                             f"got {weight_init!r}")
        rng = as_rng(rng)
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            if weight_init == "xavier":
                std = np.sqrt(1.0 / n_in)
            elif weight_init == "he":
                std = np.sqrt(2.0 / n_in)
            else:
                std = float(weight_init)
            W = (rng.standard_normal((n_in, n_out)) * std).astype(dtype)
            last = i == len(sizes) - 2
            layers.append(Dense(W, np.zeros(n_out, dtype), "identity" if last else activation))
        return cls(layers, output=output)

    # ----------------------------------------------------------- description

    @property
    def sizes(self):
        """Layer widths from input to output."""
        self._check()
        return [self._layers[0].n_in] + [layer.n_out for layer in self._layers]

    @property
    def activations(self):
        """Activation of each layer."""
        self._check()
        return [layer.activation for layer in self._layers]

    @property
    def dtype(self):
        """The network's float dtype."""
        self._check()
        return self._layers[0].dtype

    @property
    def params(self):
        """A book-style mapping ``{"W1": ..., "b1": ..., ...}`` of the network's own arrays.

        Update them in place (``net.params["W1"] -= lr * grad``) or assign
        (``net.params["W1"] = W``, which copies ``W``'s values into the layer after
        checking the shape): both change the network.

        >>> import nncore
        >>> net = nncore.Network.init([2, 3, 2], rng=0)
        >>> net.params["b1"] = [1.0, 2.0, 3.0]
        >>> net.layers[0].b
        array([1., 2., 3.])
        """
        self._check()
        p = {}
        for i, layer in enumerate(self._layers, start=1):
            p[f"W{i}"] = layer.W
            p[f"b{i}"] = layer.b
        return LiveParams(p)

    def __repr__(self):
        return (f"Network(sizes={self.sizes}, activations={self.activations}, "
                f"output={self.output!r}, dtype={self.dtype})")

    # ----------------------------------------------------------- inference

    def _kernel_arrays(self):
        """``(Ws, bs, activation codes)``: the layers as the kernels take them, checked."""
        self._check()
        layers = self._layers
        return ([layer._W for layer in layers], [layer._b for layer in layers],
                [_CODES[layer._activation] for layer in layers])

    def _forward_plan(self, output):
        """The backend's compiled plan for ``output``, built on first use."""
        self._check()
        impl = _kernels.impl
        cache = self._plans
        if cache is None or cache[0] is not impl:
            cache = self._plans = (impl, {})  # one assignment: safe across threads
        plan = cache[1].get(output)
        if plan is None:
            plan = cache[1][output] = impl.Forward(*self._kernel_arrays(), _CODES[output])
        return plan

    def _run(self, x, output):
        plan = self._forward_plan(output)
        out = plan.predict(x)  # the common case (an array as it should be) in one call
        if out is not None:
            return out
        x2, single = as_batch(x, self._layers[0].n_in, self.dtype)
        out = np.empty((x2.shape[0], self._layers[-1].n_out), self.dtype)
        plan(x2, out)
        return out[0] if single else out

    def predict(self, x):
        """The network's output for one sample ``(n_in,)`` or a batch ``(N, n_in)``.

        Input is converted to the network's dtype (a float32 network computes and
        returns float32).  ``net(x)`` is the same call.

        Examples
        --------
        >>> import nncore
        >>> net = nncore.Network.init([4, 3, 2], rng=0)
        >>> net.predict([[0.0, 1.0, 2.0, 3.0]]).shape
        (1, 2)
        """
        return self._run(x, self._output)

    __call__ = predict

    def classify(self, x):
        """Predicted class labels: the argmax of the output.

        Softmax and sigmoid preserve order, so the output activation is skipped.
        Returns an int64 label for one sample and an ``(N,)`` array for a batch.

        Examples
        --------
        >>> import nncore
        >>> net = nncore.Network.from_params({"W1": [[1.0, -1.0]], "b1": [0.0, 0.0]})
        >>> net.classify([[2.0], [-3.0]])
        array([0, 1])
        """
        scores = self._run(x, "identity")
        return np.argmax(scores, axis=-1)

    def accuracy(self, x, t, batch_size=100):
        """Fraction of samples whose predicted class equals the target.

        Parameters
        ----------
        x : array_like
            Inputs ``(N, n_in)``.
        t : array_like
            Labels ``(N,)`` (integers in ``[0, n_out)``) or one-hot ``(N, n_out)``.
        batch_size : int
            Samples per forward pass.

        Examples
        --------
        >>> import nncore
        >>> net = nncore.Network.from_params({"W1": [[1.0, -1.0]], "b1": [0.0, 0.0]})
        >>> net.accuracy([[2.0], [-3.0], [1.0]], [0, 1, 1])
        0.6666666666666666
        """
        # converted to the network's dtype batch by batch (in classify), never whole:
        # float32 images scored by a float64 network cost no copy of the images
        x = as_float_array(x, "x")
        check_ndim(x, "x", (2,))
        labels = as_labels(t, x.shape[0], self.sizes[-1])
        if x.shape[0] == 0:
            raise ValueError("x holds no samples: the accuracy of an empty batch is undefined")
        batch_size = positive_int(batch_size, "batch_size")
        correct = 0
        for start in range(0, x.shape[0], batch_size):
            pred = self.classify(x[start:start + batch_size])
            correct += int(np.count_nonzero(pred == labels[start:start + batch_size]))
        return correct / x.shape[0]

    # ----------------------------------------------------------- learning

    def loss(self, x, t, loss=None):
        """The mean training loss on ``(x, t)``, computed stably from the last layer's output.

        Parameters
        ----------
        x : array_like
            One sample ``(n_in,)`` or a batch ``(N, n_in)``.
        t : array_like
            Labels ``(N,)`` or one-hot ``(N, n_out)`` for ``"cross_entropy"``;
            targets ``(N, n_out)`` for ``"mse"`` and ``"binary_cross_entropy"``.
        loss : {None, "cross_entropy", "mse", "binary_cross_entropy"}
            Default: cross-entropy for a softmax output, mean squared error (the
            book's half sum of squares per sample) for identity, binary
            cross-entropy for sigmoid.  ``"mse"`` also works with a sigmoid output.

        Notes
        -----
        The cross-entropy here is exact: unlike the book's
        ``cross_entropy_error(net.predict(x), t)`` it has no ``1e-7`` inside the
        log, and it is computed from the last layer's scores, finite even where a
        probability rounds to 0 (the book's stops at ``-log(1e-7)``, about 16.1).
        Elsewhere the two differ by about ``1e-7 / p`` for a correct-class
        probability ``p``.  The exact loss is the one that reproduces the figures
        the book *prints* for ``simpleNet`` (loss 0.92806853663, every digit of
        ``dW``) and for ``gradient_check.py`` (differences of 1e-13 to 1e-10);
        the book's published code, with its ``1e-7``, gives 0.92806828579 and
        differences near 1e-7 for ``b2``.  The book's value is
        :func:`nncore.cross_entropy_error` of :meth:`predict`, or
        :meth:`nncore.book.TwoLayerNet.loss`.

        Examples
        --------
        >>> import numpy as np, nncore
        >>> net = nncore.Network.from_params({"W1": np.zeros((2, 3)), "b1": np.zeros(3)})
        >>> round(net.loss([[1.0, 2.0]], [0]), 4)   # uniform over 3 classes: log 3
        1.0986
        """
        return training.loss_and_gradient(self, x, t, loss)[0]

    def gradient(self, x, t, loss=None):
        """Gradients of :meth:`loss` by backpropagation, as a dict like :attr:`params`.

        One call into the kernels runs the forward pass, the output delta of the
        loss and the backward pass through every layer (without the GIL on the
        compiled backend).  Networks with a ``"step"`` layer cannot be trained:
        its derivative is zero almost everywhere.

        Examples
        --------
        >>> import numpy as np, nncore
        >>> net = nncore.Network.init([4, 5, 3], activation="tanh", rng=0)
        >>> x, t = np.ones((2, 4)), [0, 2]
        >>> grads = net.gradient(x, t)
        >>> sorted(grads), grads["W1"].shape
        (['W1', 'W2', 'b1', 'b2'], (4, 5))
        """
        return training.loss_and_gradient(self, x, t, loss)[1]

    # training.fit, whose first parameter is the network: the parameters and
    # their documentation are written once, there.
    fit = training.fit

    # ----------------------------------------------------------- persistence

    def save(self, path):
        """Write the network to a ``.npz`` file, atomically (see :func:`nncore.load`)."""
        from . import io  # upward edge: the one façade over a module above this one

        io.save(self, path)

    def __getstate__(self):
        return {
            "params": {k: v for k, v in self.params.items()},
            "activations": self.activations,
            "output": self.output,
        }

    def __setstate__(self, state):
        layers = [
            Dense(state["params"][f"W{i}"], state["params"][f"b{i}"], act)
            for i, act in enumerate(state["activations"], start=1)
        ]
        self.__init__(layers, output=state["output"])

    # ---------------------------------------------------- other libraries' models
    # Other libraries' models are read and written by nncore/interop.py and
    # nncore/_onnx_write.py, which work on plain arrays and names.

    @classmethod
    def from_sklearn(cls, model):
        """A network computing what a fitted scikit-learn MLP computes.

        Parameters
        ----------
        model : sklearn.neural_network.MLPClassifier or MLPRegressor
            A fitted model.  Its ``coefs_`` (already in nncore's ``(n_in, n_out)``
            layout) and ``intercepts_`` are copied; float32 models stay float32.

        Returns
        -------
        Network
            Hidden layers with the model's ``activation`` (``"logistic"`` is
            ``"sigmoid"``).  The output is what :meth:`predict_proba` returns for a
            classifier and what :meth:`predict` returns for a regressor (as
            ``(N, n_outputs)``): a softmax for multi-class, a sigmoid for multi-label.
            A *binary* classifier's single logistic unit becomes a two-column softmax
            over ``[0, z]``, which equals ``[1 - sigmoid(z), sigmoid(z)]``, so that
            ``predict`` gives both columns of ``predict_proba`` and ``classify`` gives
            indices into ``model.classes_``.

        Raises
        ------
        TypeError
            When ``model`` is not an ``MLPClassifier`` or ``MLPRegressor``.
        ValueError
            When it is not fitted, or uses an activation nncore does not have.

        Examples
        --------
        >>> import numpy as np, nncore
        >>> from sklearn.neural_network import MLPClassifier
        >>> rng = np.random.default_rng(0)
        >>> X, y = rng.normal(size=(60, 4)), rng.integers(0, 3, 60)
        >>> import warnings
        >>> with warnings.catch_warnings():          # 20 iterations do not converge
        ...     warnings.simplefilter("ignore")
        ...     mlp = MLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X, y)
        >>> net = nncore.Network.from_sklearn(mlp)
        >>> net
        Network(sizes=[4, 8, 3], activations=['relu', 'identity'], output='softmax', dtype=float64)
        >>> bool(np.abs(net.predict(X) - mlp.predict_proba(X)).max() <= 1e-12)
        True
        >>> bool((mlp.classes_[net.classify(X)] == mlp.predict(X)).all())
        True
        """
        layers, output = interop.sklearn_layers(model)
        return cls([Dense(W, b, act) for W, b, act in layers], output=output)

    @classmethod
    def from_torch(cls, module):
        """A network computing what a PyTorch ``nn.Sequential`` MLP computes.

        Parameters
        ----------
        module : torch.nn.Sequential
            ``Linear`` layers, each optionally followed by ``ReLU``, ``Sigmoid`` or
            ``Tanh``; ``Identity`` anywhere; optionally ending in ``Softmax(dim=-1)``
            (or ``dim=1``) or ``Sigmoid`` as the output.  ``Linear.weight`` is
            transposed into nncore's ``(n_in, n_out)`` layout; a missing bias is zero.
            float32 and float64 models keep their dtype.

        Returns
        -------
        Network
            ``net.predict(x)`` equals ``module(torch.from_numpy(x))`` within float
            rounding.

        Raises
        ------
        TypeError
            When ``module`` is not an ``nn.Sequential``, or a layer is of a kind
            nncore does not have (the message names the layer and its position).
        ValueError
            When the layers are in an order a network cannot express (an activation
            before the first ``Linear``, two activations in a row, a ``Softmax``
            before the end or over another dimension).

        Examples
        --------
        >>> import numpy as np, torch, nncore
        >>> _ = torch.manual_seed(0)
        >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
        ...                             torch.nn.Linear(8, 3), torch.nn.Softmax(dim=-1))
        >>> net = nncore.Network.from_torch(model)
        >>> net
        Network(sizes=[4, 8, 3], activations=['relu', 'identity'], output='softmax', dtype=float32)
        >>> x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
        >>> with torch.no_grad():
        ...     expected = model(torch.from_numpy(x)).numpy()
        >>> bool(np.abs(net.predict(x) - expected).max() <= 1e-5)
        True
        """
        layers, output = interop.torch_layers(module)
        return cls([Dense(W, b, act) for W, b, act in layers], output=output)

    def to_onnx(self, path, *, input_name="input", output_name="output"):
        """Write the network to ``path`` as an ONNX model (needs the ``onnx`` package).

        The graph holds one ``Gemm`` per layer (weights in nncore's ``(n_in, n_out)``
        layout, no transposition), the layer activations as ``Relu``, ``Sigmoid``
        or ``Tanh``, and the output as ``Softmax`` (last axis), ``Sigmoid`` or
        ``Identity``; operator set 13, float32 or float64 like the network, the
        batch size left open.  ONNX Runtime runs it with the same outputs as
        :meth:`predict` and :func:`nncore.load_onnx` reads it back.  The file is
        written to a temporary file beside ``path`` and renamed into place.

        Parameters
        ----------
        path : str or os.PathLike
            The ``.onnx`` file to write.
        input_name, output_name : str
            Names of the graph's input ``(batch, n_in)`` and output ``(batch, n_out)``.

        Raises
        ------
        ImportError
            When the ``onnx`` package is missing (``pip install "nncore-dlfs[onnx]"``).
        ValueError
            For a network with a ``"step"`` layer: ONNX has no such operator.

        Examples
        --------
        >>> import os, tempfile, numpy as np, nncore
        >>> import onnxruntime
        >>> net = nncore.Network.init([4, 8, 3], activation="relu", weight_init="he", rng=0)
        >>> path = os.path.join(tempfile.mkdtemp(), "net.onnx")
        >>> net.to_onnx(path)
        >>> session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        >>> x = np.random.default_rng(0).normal(size=(5, 4))
        >>> (out,) = session.run(None, {"input": x})
        >>> bool(np.abs(out - net.predict(x)).max() <= 1e-12)
        True
        >>> nncore.load_onnx(path)
        Network(sizes=[4, 8, 3], activations=['relu', 'identity'], output='softmax', dtype=float64)
        """
        if not isinstance(self, Network):  # called on the class with something else
            raise TypeError(f"net must be a nncore.Network; got {type(self).__name__}")
        return _onnx_write.to_onnx(self, path, input_name=input_name, output_name=output_name)


def _state_of(layer):
    """What a forward plan depends on in one layer: its arrays, their layout, activation."""
    if not isinstance(layer, Dense):
        return (layer, None, None, None)
    W, b = layer._W, layer._b
    return (layer, W, b, (layer._activation, W.shape, W.strides, W.dtype, b.shape, b.strides,
                          b.dtype, W.__array_interface__["data"][0],
                          b.__array_interface__["data"][0]))


def _same_state(key, old):
    """True when two lists from :func:`_state_of` hold the same objects and layouts."""
    return len(key) == len(old) and all(
        k[0] is o[0] and k[1] is o[1] and k[2] is o[2] and k[3] == o[3]
        for k, o in zip(key, old))


def _check_layers(layers):
    """Raise unless ``layers`` is a non-empty chain of Dense layers of one dtype."""
    if not layers:
        raise ValueError("layers must hold at least one Dense layer; got none")
    for i, layer in enumerate(layers):
        if not isinstance(layer, Dense):
            raise TypeError(f"layers[{i}] must be a Dense layer; got {type(layer).__name__}")
    for i in range(1, len(layers)):
        prev, cur = layers[i - 1], layers[i]
        if prev.n_out != cur.n_in:
            raise ValueError(
                f"layer {i + 1} does not chain with layer {i}: W{i} has shape {prev._W.shape} "
                f"({prev.n_out} outputs) but W{i + 1} has shape {cur._W.shape} ({cur.n_in} inputs)"
            )
        if cur.dtype != layers[0].dtype:
            raise TypeError(
                f"all layers must share one dtype: layer 1 is {layers[0].dtype} but layer "
                f"{i + 1} is {cur.dtype}"
            )

