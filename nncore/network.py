"""Layers and networks: the multi-layer perceptron of the book's chapter 3.

A :class:`Network` is a chain of :class:`Dense` layers followed by an output
activation.  On the compiled backend its whole forward pass runs as one call into
the extension, without the GIL, pushing blocks of rows through every layer.
"""
import numpy as np

from . import _kernels, _layers, _memory
from ._validation import as_float_array, check_dtype, check_ndim

__all__ = ["Dense", "Network", "ACTIVATIONS", "OUTPUTS"]

#: Activation names a hidden layer accepts.
ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity", "step")
#: Output activations: regression, binary and multi-class classification.
OUTPUTS = ("identity", "sigmoid", "softmax")

_CODES = _kernels._kernels_py.ACTIVATION_CODES


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
        x = as_float_array(x, "x", dtype=self.dtype)
        check_ndim(x, "x", (1, 2))
        if x.shape[-1] != self.n_in:
            raise ValueError(f"x has {x.shape[-1]} features per sample (shape {x.shape}) but "
                             f"the layer takes {self.n_in}")
        x2 = np.ascontiguousarray(x if x.ndim == 2 else x.reshape(1, self.n_in))
        out = np.empty((x2.shape[0], self.n_out), self.dtype)
        _kernels.impl.dense(x2, self._W, self._b, _CODES[self._activation], out)
        return out[0] if x.ndim == 1 else out

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
        expected = {f"{p}{i}" for i in range(1, n + 1) for p in "Wb"}
        keys = set(params)
        if n == 0 or keys != expected:
            missing = sorted(expected - keys, key=str)
            extra = sorted(keys - expected, key=str)
            raise ValueError(
                "params must hold W1, b1, ..., Wn, bn for n >= 1"
                + (f"; missing {missing}" if missing else "")
                + (f"; unexpected {extra}" if extra else "")
            )
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
        if not isinstance(rng, np.random.RandomState):  # the book's seeded draws need one
            rng = np.random.default_rng(rng)
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
        from ._params import LiveParams

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

    def _forward_plan(self, output):
        """The backend's compiled plan for ``output``, built on first use."""
        self._check()
        impl = _kernels.impl
        cache = self._plans
        if cache is None or cache[0] is not impl:
            cache = self._plans = (impl, {})  # one assignment: safe across threads
        plan = cache[1].get(output)
        if plan is None:
            layers = self._layers
            plan = cache[1][output] = impl.Forward(
                [layer._W for layer in layers], [layer._b for layer in layers],
                [_CODES[layer._activation] for layer in layers], _CODES[output])
        return plan

    def _run(self, x, output):
        plan = self._forward_plan(output)
        out = plan.predict(x)  # the common case (an array as it should be) in one call
        if out is not None:
            return out
        x = as_float_array(x, "x", dtype=self.dtype)
        check_ndim(x, "x", (1, 2))
        n_in = self._layers[0].n_in
        if x.shape[-1] != n_in:
            raise ValueError(
                f"x has {x.shape[-1]} features per sample (shape {x.shape}) but the network "
                f"takes {n_in} (shape ({n_in},) or (N, {n_in}))"
            )
        single = x.ndim == 1
        x2 = np.ascontiguousarray(x.reshape(1, n_in) if single else x)
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
        x = as_float_array(x, "x", dtype=self.dtype)
        check_ndim(x, "x", (2,))
        labels = _labels(t, x.shape[0], self.sizes[-1])
        if x.shape[0] == 0:
            raise ValueError("x holds no samples: the accuracy of an empty batch is undefined")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
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
        from .training import backprop, prepare_batch, resolve_loss

        name = resolve_loss(self, loss)
        value, _, _ = backprop(self, *prepare_batch(self, x, t, name), name)
        return value

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
        from .training import backprop, prepare_batch, resolve_loss

        name = resolve_loss(self, loss)
        _, grads, _ = backprop(self, *prepare_batch(self, x, t, name), name)
        return grads

    def fit(self, x, t, epochs=10, batch_size=100, optimizer="sgd", lr=None, loss=None,
            shuffle=True, rng=None, validation_data=None, progress=True, weight_decay=0.0,
            replacement=False, callbacks=None):
        """Train the network in place with mini-batch gradient descent.

        Parameters
        ----------
        x, t : array_like
            Training inputs ``(N, n_in)`` and targets (see :meth:`loss`).
        epochs : int
            Passes over the data.
        batch_size : int
            Samples per gradient step (1 gives one sample at a time).
        optimizer : str or optimizer
            ``"sgd"``, ``"momentum"``, ``"adagrad"``, ``"rmsprop"``, ``"adam"`` or an
            instance such as ``nncore.Adam(lr=0.001)``.
        lr : float, optional
            Learning rate for a named optimizer (default: the optimizer's own).
        loss : str, optional
            See :meth:`loss`.
        shuffle : bool
            Visit the samples in a new random order each epoch.
        rng : None, int, numpy.random.Generator or numpy.random.RandomState
            Seed for shuffling; the same seed and backend give the same weights.
            A ``RandomState`` draws batches as the book's ``np.random.choice`` does.
        validation_data : (x_val, t_val), optional
            Labelled data whose accuracy is measured after each epoch.
        progress : bool
            Print one line per epoch on stderr (loss, accuracy, validation
            accuracy, time), with a progress bar during the epoch when tqdm is
            installed and stderr is a terminal or a notebook (not a pipe or a
            log file).  ``False`` keeps training quiet.
        weight_decay : float
            L2 penalty for a named optimizer.
        replacement : bool
            Draw every batch independently, ``batch_size`` samples with replacement
            (the book's ``np.random.choice(train_size, batch_size)``), instead of
            visiting each sample once per epoch; an epoch is then
            ``ceil(N / batch_size)`` steps and ``shuffle`` is ignored.
        callbacks : callable or list of callables, optional
            Each is called as ``callback(step)`` after every gradient step, with a
            :class:`nncore.training.Step` (network, epoch, iteration, batch, loss):
            enough to record the book's per-iteration loss or its accuracy every
            ``iter_per_epoch`` steps.

        Returns
        -------
        History
            Loss, accuracy and validation accuracy per epoch, and the loss of
            every step (``batch_loss``).  Ctrl-C stops
            training after the current batch: the network keeps the weights of the
            last finished batch and ``history.interrupted`` is True.

        Examples
        --------
        >>> import numpy as np, nncore
        >>> X = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=float)
        >>> net = nncore.Network.init([2, 8, 2], activation="tanh", weight_init="xavier", rng=1)
        >>> history = net.fit(X, [0, 1, 1, 0], epochs=300, batch_size=4, optimizer="adam",
        ...                   lr=0.05, rng=0, progress=False)
        >>> net.classify(X)   # XOR, learned by a two-layer network
        array([0, 1, 1, 0])
        """
        from .training import fit

        return fit(self, x, t, epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr,
                   loss=loss, shuffle=shuffle, rng=rng, validation_data=validation_data,
                   progress=progress, weight_decay=weight_decay, replacement=replacement,
                   callbacks=callbacks)

    # ----------------------------------------------------------- persistence

    def save(self, path):
        """Write the network to a ``.npz`` file, atomically (see :func:`nncore.load`)."""
        from .io import save

        save(self, path)

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


def _labels(t, n, n_classes):
    """Integer labels from labels ``(n,)`` or one-hot ``(n, n_classes)``."""
    t = np.asarray(t)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"t must hold integer labels or one-hot rows; got dtype {t.dtype}")
    if t.ndim == 2:
        if t.shape != (n, n_classes):
            raise ValueError(f"one-hot t must have shape ({n}, {n_classes}); got {t.shape}")
        return np.argmax(t, axis=1)
    if t.ndim != 1:
        raise ValueError(f"t must be labels (N,) or one-hot (N, {n_classes}); got shape {t.shape}")
    if t.shape[0] != n:
        raise ValueError(f"x has {n} samples but t has {t.shape[0]} labels")
    if t.dtype.kind == "f":
        if not np.all(np.isfinite(t)) or np.any(t != np.round(t)):
            raise ValueError("t must hold whole-number labels; got non-integer values")
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(f"labels in t must lie in [0, {n_classes}); got values from "
                         f"{t.min()} to {t.max()}")
    return t.astype(np.int64)
