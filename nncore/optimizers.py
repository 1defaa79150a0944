"""The book's optimizers (chapter 6): each ``update(params, grads)`` changes params in place.

``params`` and ``grads`` are book-style dicts (``{"W1": ..., "b1": ...}``); state
(velocities, squared-gradient sums) is kept per key.  ``weight_decay`` adds
``weight_decay * W`` to the gradient of every weight matrix (keys starting with
``"W"``; biases are not decayed), the gradient of ``0.5 * λ * ||W||²``.
"""
import numpy as np

from . import _kernels, _kernels_py

__all__ = ["SGD", "Momentum", "AdaGrad", "RMSprop", "Adam", "get_optimizer"]

_EPS = 1e-7


def _state(store, key, p):
    """The optimizer's array for ``key`` (zeros like ``p`` the first time).

    The state dicts are public: an array put there by hand must be one the step can
    take in place (the kernels write it as an array of p's size)."""
    state = store.get(key)
    if state is None:
        state = store[key] = np.zeros_like(p, order="C")
    elif not (isinstance(state, np.ndarray) and state.shape == p.shape
              and state.dtype == p.dtype and state.flags.writeable):
        raise ValueError(f"optimizer state for {key!r} must be a writeable array of shape "
                         f"{p.shape} and dtype {p.dtype}, like the parameter; got "
                         f"{_describe(state)}")
    return state


def _describe(a):
    if isinstance(a, np.ndarray):
        return f"shape {a.shape}, dtype {a.dtype}" + ("" if a.flags.writeable else ", read-only")
    return type(a).__name__


def _apply(step, arrays, *scalars):
    """Run the kernel ``step`` (e.g. ``"adam_update"``) on ``arrays`` (parameter,
    gradient, state) in place: the chosen backend's on flat views when all are
    C-contiguous arrays of one float dtype, NumPy's otherwise.  Both backends
    round alike, so results do not depend on which one ran."""
    dtype = arrays[0].dtype
    if dtype in (np.float32, np.float64) and all(
            type(a) is np.ndarray and a.dtype == dtype and a.flags.c_contiguous for a in arrays):
        getattr(_kernels.impl, step)(*(a.reshape(-1) for a in arrays), *scalars)
    else:
        getattr(_kernels_py, step)(*arrays, *scalars)


class Optimizer:
    """Base class: checks arguments and applies weight decay."""

    def __init__(self, lr, weight_decay=0.0):
        for name, v in (("lr", lr), ("weight_decay", weight_decay)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0:
                raise ValueError(f"{name} must be a finite number >= 0; got {v!r}")
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)

    def _grads(self, params, grads):
        if set(params) != set(grads):
            raise ValueError(f"params and grads must have the same keys; got {sorted(params)} "
                             f"and {sorted(grads)}")
        out = {}
        for key, p in params.items():
            g = grads[key]
            if not isinstance(p, np.ndarray) or not p.flags.writeable:
                raise TypeError(f"params[{key!r}] must be a writeable numpy array")
            if np.shape(g) != p.shape:
                raise ValueError(f"grads[{key!r}] has shape {np.shape(g)} but params[{key!r}] "
                                 f"has {p.shape}")
            if self.weight_decay and key.startswith("W"):
                g = g + self.weight_decay * p
            out[key] = np.asarray(g, dtype=p.dtype)
        return out

    def update(self, params, grads):
        """Apply one step to ``params`` in place.

        ``Network.fit`` reuses its gradient arrays from one step to the next: a
        subclass that keeps gradients for later must copy them.
        """
        grads = self._grads(params, grads)
        self._states(params)  # all checked before any parameter changes
        for key, g in grads.items():
            self._step(key, params[key], g)

    # The state dicts (attribute names) and the training kernel's name for this update.
    _stores = ()
    _kernel = None

    def _states(self, params):
        """Each parameter's state arrays (in params' order), made or checked."""
        return [tuple(_state(getattr(self, store), key, p) for store in self._stores)
                for key, p in params.items()]

    def _kernel_step(self, params):
        """This step as the training kernel takes it, in the same call as the gradient:
        ``(update name, state arrays per parameter in params' order, scalars,
        weight_decay, nesterov)``, counting the step as :meth:`update` does; or None
        for a subclass (it may change ``update``), which ``fit`` then calls."""
        if type(self) not in _BY_NAME.values():
            return None
        states = self._states(params)
        if not all(type(a) is np.ndarray and a.flags.c_contiguous for a in params.values()) \
                or not all(type(a) is np.ndarray and a.flags.c_contiguous
                           for state in states for a in state):
            return None  # (state put there by hand) update's NumPy path takes any layout
        return self._kernel, states, self._scalars(), self.weight_decay, False

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self._hyper().items())
        return f"{type(self).__name__}(lr={self.lr!r}{extra}, weight_decay={self.weight_decay!r})"

    def _hyper(self):
        return {}


class SGD(Optimizer):
    """Stochastic gradient descent: ``W -= lr * dW``.

    >>> import numpy as np, nncore
    >>> params, grads = {"W1": np.array([1.0, 2.0])}, {"W1": np.array([10.0, -10.0])}
    >>> nncore.SGD(lr=0.01).update(params, grads)
    >>> params["W1"]
    array([0.9, 2.1])
    """

    def __init__(self, lr=0.01, weight_decay=0.0):
        super().__init__(lr, weight_decay)

    _kernel = "sgd"

    def _scalars(self):
        return (self.lr,)

    def _step(self, key, p, g):
        _apply("sgd_update", (p, g), *self._scalars())


class Momentum(Optimizer):
    """Momentum SGD: ``v = momentum * v - lr * dW; W += v``.

    With ``nesterov=True`` the step looks ahead along the new velocity (Nesterov's
    accelerated gradient in Sutskever et al.'s form): ``W += momentum * v - lr * dW``.

    >>> import numpy as np, nncore
    >>> params = {"W1": np.array([1.0])}
    >>> opt = nncore.Momentum(lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.update(params, {"W1": np.array([1.0])})
    >>> params["W1"].round(6)
    array([0.71])
    >>> params = {"W1": np.array([1.0])}
    >>> nncore.Momentum(lr=0.1, momentum=0.9, nesterov=True).update(params, {"W1": np.array([1.0])})
    >>> params["W1"].round(6)   # 1 + 0.9 * (-0.1) - 0.1
    array([0.81])
    """

    def __init__(self, lr=0.01, momentum=0.9, weight_decay=0.0, nesterov=False):
        super().__init__(lr, weight_decay)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must lie in [0, 1); got {momentum!r}")
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"nesterov must be True or False; got {nesterov!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.v = {}

    def _hyper(self):
        return {"momentum": self.momentum, "nesterov": self.nesterov}

    _stores = ("v",)
    _kernel = "momentum"

    def _scalars(self):
        return (self.lr, self.momentum)

    def _kernel_step(self, params):
        step = super()._kernel_step(params)
        return step and step[:4] + (self.nesterov,)

    def _step(self, key, p, g):
        v = _state(self.v, key, p)
        _apply("momentum_update", (p, g, v), *self._scalars())
        if self.nesterov:  # the kernel added v; the look-ahead step is momentum * v - lr * g
            p += (self.momentum - 1.0) * v - self.lr * g


class AdaGrad(Optimizer):
    """AdaGrad: ``h += dW²; W -= lr * dW / (sqrt(h) + 1e-7)``.

    >>> import numpy as np, nncore
    >>> params = {"W1": np.array([1.0, 1.0])}
    >>> nncore.AdaGrad(lr=0.5).update(params, {"W1": np.array([4.0, -0.1])})
    >>> params["W1"].round(6)
    array([0.5, 1.5])
    """

    def __init__(self, lr=0.01, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.h = {}

    _stores = ("h",)
    _kernel = "adagrad"

    def _scalars(self):
        return (self.lr, _EPS)

    def _step(self, key, p, g):
        _apply("adagrad_update", (p, g, _state(self.h, key, p)), *self._scalars())


class RMSprop(Optimizer):
    """RMSprop: ``h = decay * h + (1 - decay) * dW²; W -= lr * dW / (sqrt(h) + 1e-7)``.

    >>> import numpy as np, nncore
    >>> params = {"W1": np.array([1.0])}
    >>> nncore.RMSprop(lr=0.01, decay_rate=0.99).update(params, {"W1": np.array([2.0])})
    >>> params["W1"].round(6)
    array([0.9])
    """

    def __init__(self, lr=0.01, decay_rate=0.99, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        if not 0 <= decay_rate < 1:
            raise ValueError(f"decay_rate must lie in [0, 1); got {decay_rate!r}")
        self.decay_rate = float(decay_rate)
        self.h = {}

    def _hyper(self):
        return {"decay_rate": self.decay_rate}

    _stores = ("h",)
    _kernel = "rmsprop"

    def _scalars(self):
        return (self.lr, self.decay_rate, _EPS)

    def _step(self, key, p, g):
        _apply("rmsprop_update", (p, g, _state(self.h, key, p)), *self._scalars())


class Adam(Optimizer):
    """Adam with bias correction, as in the book.

    ``eps`` is the constant added to ``sqrt(v)`` in the denominator (the book's
    ``1e-7``; scikit-learn's ``MLPClassifier`` uses ``epsilon=1e-8``).

    >>> import numpy as np, nncore
    >>> params = {"W1": np.array([1.0, 1.0])}
    >>> nncore.Adam(lr=0.001).update(params, {"W1": np.array([5.0, -0.5])})
    >>> params["W1"].round(6)   # the first step moves every weight by about lr
    array([0.999, 1.001])
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, weight_decay=0.0, eps=_EPS):
        super().__init__(lr, weight_decay)
        for name, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= b < 1:
                raise ValueError(f"{name} must lie in [0, 1); got {b!r}")
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < np.inf:
            raise ValueError(f"eps must be a finite number > 0; got {eps!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.iter = 0
        self.m, self.v = {}, {}

    def _hyper(self):
        return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    _stores = ("m", "v")
    _kernel = "adam"

    def _scalars(self):
        """The step's scalars, counting the step: lr_t (the bias-corrected rate) first."""
        self.iter += 1
        lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)
        return (float(lr_t), self.beta1, self.beta2, self.eps)

    def update(self, params, grads):
        grads = self._grads(params, grads)
        self._states(params)
        scalars = self._scalars()
        for key, g in grads.items():
            p = params[key]
            _apply("adam_update", (p, g, _state(self.m, key, p), _state(self.v, key, p)),
                   *scalars)


_BY_NAME = {"sgd": SGD, "momentum": Momentum, "adagrad": AdaGrad, "rmsprop": RMSprop,
            "adam": Adam}


def get_optimizer(optimizer="sgd", lr=None, weight_decay=0.0):
    """An optimizer from a name (``"sgd"``, ``"momentum"``, ``"adagrad"``, ``"rmsprop"``,
    ``"adam"``) or an optimizer instance (returned as is)."""
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            raise ValueError("lr is given both by the optimizer instance and by lr=")
        return optimizer
    if not isinstance(optimizer, str) or optimizer.lower() not in _BY_NAME:
        raise ValueError(f"optimizer must be one of {', '.join(map(repr, _BY_NAME))} or an "
                         f"optimizer instance; got {optimizer!r}")
    cls = _BY_NAME[optimizer.lower()]
    return cls(weight_decay=weight_decay) if lr is None else cls(lr=lr, weight_decay=weight_decay)
