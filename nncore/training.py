"""Learning: losses with their output activations, backprop targets and ``fit``.

Everything here works on the network it is handed (through its public
attributes and ``_kernel_arrays``); this module never imports ``network``.
"""
import signal
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from . import _kernels, _memory
from ._validation import as_batch, as_float_array, as_labels, as_rng, check_ndim, positive_int
from .optimizers import get_optimizer

__all__ = ["History", "LOSSES", "Step", "fit", "loss_and_gradient"]

#: loss name -> the output activations it is defined for
LOSSES = {
    "cross_entropy": ("softmax",),
    "mse": ("identity", "sigmoid"),
    "binary_cross_entropy": ("sigmoid",),
}
_DEFAULT_LOSS = {"softmax": "cross_entropy", "identity": "mse", "sigmoid": "binary_cross_entropy"}
_CODES = _kernels.ACTIVATION_CODES
_LOSS_CODES = _kernels.LOSS_CODES
_UPDATE_CODES = _kernels.UPDATE_CODES


def resolve_loss(net, loss):
    """The loss name for ``net``: ``loss`` if given and valid, else the output's natural one."""
    for i, act in enumerate(net.activations, start=1):
        if act == "step":
            raise ValueError(
                f"layer {i} uses the step activation, whose derivative is 0 everywhere but at 0: "
                "no gradient flows through it, so it cannot be trained by backpropagation "
                "(use sigmoid, tanh or relu)")
    if loss is None:
        return _DEFAULT_LOSS[net.output]
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(map(repr, LOSSES))}; got {loss!r}")
    if net.output not in LOSSES[loss]:
        raise ValueError(f"loss {loss!r} needs output {' or '.join(map(repr, LOSSES[loss]))}; "
                         f"the network's output is {net.output!r}")
    return loss


def prepare_batch(net, x, t, loss, cast=True):
    """Checked, C-contiguous ``(x, t)`` for the gradient kernel.

    With ``cast=False`` a float32/float64 ``x`` keeps its dtype (``fit`` converts
    each batch as it gathers it, instead of a copy of the whole dataset).
    """
    n_in, n_out = net.sizes[0], net.sizes[-1]
    x, single = as_batch(x, n_in, net.dtype if cast else None, contiguous=cast)
    n = x.shape[0]
    if loss == "cross_entropy":
        t_arr = np.asarray(t)
        if single and t_arr.ndim in (0, 1) and t_arr.size in (1, n_out):
            t_arr = t_arr.reshape(1, -1) if t_arr.size == n_out and n_out > 1 else t_arr.reshape(1)
        return x, np.ascontiguousarray(as_labels(t_arr, n, n_out))
    t_arr = as_float_array(t, "t", dtype=net.dtype)
    if single:
        t_arr = t_arr.reshape(1, -1) if t_arr.ndim <= 1 else t_arr
    if t_arr.ndim == 1 and n_out == 1:
        t_arr = t_arr.reshape(-1, 1)
    if t_arr.shape != (n, n_out):
        raise ValueError(f"t must have shape ({n}, {n_out}) for loss {loss!r}; got {t_arr.shape}")
    if not np.all(np.isfinite(t_arr)):
        raise ValueError("t must be finite")
    return x, np.ascontiguousarray(t_arr)


def backprop(net, x, t, loss, buffers=None, optimizer=None):
    """(mean loss, gradient dict, last layer's output) for a prepared batch.

    ``buffers``, when given, is a dict kept between calls (by ``fit``): the
    layer outputs and gradients are written into the same arrays each time
    instead of new ones, so the returned arrays are only valid until the next call.

    With an ``optimizer``, its step is taken too: a built-in optimizer's in the
    same kernel call, while each layer's gradient is in cache (the gradients then
    include the weight decay); any other's by its ``update``.  The output is the
    one before the step.
    """
    sizes = net.sizes  # checks the layers again if any was assigned to
    Ws, bs, acts = net._kernel_arrays()
    n = x.shape[0]
    if x.shape[1:] != (sizes[0],) or x.dtype != net.dtype:
        raise ValueError(f"x must have shape (N, {sizes[0]}) and dtype {net.dtype}; the network "
                         f"changed since the batch was prepared (got {x.shape}, {x.dtype})")
    if loss == "cross_entropy":
        if t.shape != (n,) or (n and not 0 <= t.min() <= t.max() < sizes[-1]):
            raise ValueError(f"t must hold {n} labels in [0, {sizes[-1]}); the network changed "
                             "since the batch was prepared")
    elif t.shape != (n, sizes[-1]):
        raise ValueError(f"t must have shape ({n}, {sizes[-1]}); got {t.shape}")
    if buffers is None:
        buffers = {}
    if buffers.get("sizes") != (sizes, net.dtype):  # the layers were replaced: start afresh
        buffers.clear()
        buffers["sizes"] = (sizes, net.dtype)
    zs = buffers.get(("zs", n))  # one set per batch size (the last batch may be smaller)
    if zs is None:
        zs = buffers[("zs", n)] = [np.empty((n, w), net.dtype) for w in sizes[1:]]
    if "dWs" not in buffers:
        buffers["dWs"] = [np.empty_like(W) for W in Ws]
        buffers["dbs"] = [np.empty_like(b) for b in bs]
    dWs, dbs = buffers["dWs"], buffers["dbs"]
    step = None
    if optimizer is not None:
        params = net.params
        step = optimizer._kernel_step(params)
    if step is None:
        value = _kernels.impl.gradient(Ws, bs, acts, _CODES[net.output], _LOSS_CODES[loss], x,
                                       t, zs, dWs, dbs)
    else:
        update, states, scalars, weight_decay, nesterov = step
        value = _kernels.impl.train_step(Ws, bs, acts, _CODES[net.output], _LOSS_CODES[loss],
                                         x, t, zs, dWs, dbs, _UPDATE_CODES[update], states,
                                         scalars, weight_decay, nesterov)
    grads = {}
    for i, (dW, db) in enumerate(zip(dWs, dbs), start=1):
        grads[f"W{i}"] = dW
        grads[f"b{i}"] = db
    if optimizer is not None and step is None:
        optimizer.update(params, grads)
    return value, grads, zs[-1]


def loss_and_gradient(net, x, t, loss=None):
    """``(mean loss, gradient dict)`` of ``net`` on ``(x, t)``: one forward and backward pass.

    ``loss`` is resolved as :meth:`Network.loss <nncore.Network.loss>` says; this is
    what :meth:`Network.loss <nncore.Network.loss>` and :meth:`Network.gradient
    <nncore.Network.gradient>` return parts of.

    Examples
    --------
    >>> import numpy as np, nncore
    >>> from nncore.training import loss_and_gradient
    >>> net = nncore.Network.from_params({"W1": np.zeros((2, 3)), "b1": np.zeros(3)})
    >>> value, grads = loss_and_gradient(net, [[1.0, 2.0]], [0])
    >>> round(value, 4), sorted(grads)
    (1.0986, ['W1', 'b1'])
    """
    name = resolve_loss(net, loss)
    value, grads, _ = backprop(net, *prepare_batch(net, x, t, name), name)
    return value, grads


@dataclass
class History:
    """What :meth:`Network.fit <nncore.Network.fit>` reports, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        Mean training loss over the epoch's batches.
    accuracy : list of float
        Training accuracy over the epoch's batches, each measured just before its
        update (classification losses only; else empty).
    val_accuracy : list of float
        Accuracy on ``validation_data`` after each epoch (when given).
    seconds : list of float
        Wall time of each epoch.
    batch_loss : list of float
        The loss of every gradient step, one entry per batch: the batch's mean
        loss just before its update, as the gradient pass computes it (without the
        book's ``1e-7``; see :meth:`Network.loss <nncore.Network.loss>`).
    interrupted : bool
        True when Ctrl-C stopped training; the network then holds the weights
        of the last finished batch.
    """

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    batch_loss: list = field(default_factory=list)
    interrupted: bool = False

    @property
    def epochs(self):
        """Number of finished epochs."""
        return len(self.loss)


@dataclass
class Step:
    """What a ``fit`` callback is given after each gradient step.

    Attributes
    ----------
    net : Network
        The network, already updated by this step.
    epoch : int
        The epoch, from 1.
    iteration : int
        The step's number over the whole training, from 0 (the book's ``i``).
    x, t : numpy.ndarray
        The batch: inputs in the network's dtype, targets as the loss takes them
        (class labels for cross-entropy).  Read them during the call only.
    loss : float
        The batch's mean loss before the update (``History.batch_loss``).
    """

    net: object
    epoch: int
    iteration: int
    x: object
    t: object
    loss: float


def _callbacks(callbacks):
    if callbacks is None:
        return []
    if callable(callbacks):
        return [callbacks]
    try:
        found = list(callbacks)
    except TypeError:
        raise TypeError(f"callbacks must be a callable or a list of callables; got "
                        f"{type(callbacks).__name__}") from None
    for i, cb in enumerate(found):
        if not callable(cb):
            raise TypeError(f"callbacks[{i}] must be callable; got {type(cb).__name__}")
    return found


class _Interrupt:
    """Turns Ctrl-C into a flag checked between batches (main thread only)."""

    def __init__(self):
        self.hit = False
        self._old = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handler)
        return self

    def _handler(self, signum, frame):
        self.hit = True

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False


def _progress_bar(progress, total, epoch, epochs):
    """A tqdm bar for one epoch, or None: without tqdm, and when stderr is a pipe or a
    file (a bar redrawn with carriage returns would flood it; Jupyter's bar is kept)."""
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    notebook = any(cls.__module__ == "tqdm.notebook" for cls in tqdm.__mro__)
    if not notebook and not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return None
    # leave=False: the bar gives way to the epoch's summary line
    return tqdm(total=total, desc=f"epoch {epoch}/{epochs}", unit="batch", leave=False,
                file=sys.stderr)


def fit(net, x, t, epochs=10, batch_size=100, optimizer="sgd", lr=None, loss=None,
        shuffle=True, rng=None, validation_data=None, progress=True, weight_decay=0.0,
        replacement=False, callbacks=None):
    """Train the network in place with mini-batch gradient descent.

    ``Network.fit`` is this function, so ``net.fit(x, t, ...)`` calls it with ``net``
    as its first argument.

    Parameters
    ----------
    x, t : array_like
        Training inputs ``(N, n_in)`` and targets (see
        :meth:`Network.loss <nncore.Network.loss>`).
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
        See :meth:`Network.loss <nncore.Network.loss>`.
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
    loss = resolve_loss(net, loss)
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size")
    opt = get_optimizer(optimizer, lr, weight_decay)
    callbacks = _callbacks(callbacks)
    if not isinstance(replacement, (bool, np.bool_)):
        raise TypeError(f"replacement must be True or False; got {replacement!r}")
    x, t = prepare_batch(net, x, t, loss, cast=False)
    if validation_data is not None:  # checked now: a bad one must not cost an epoch of changes
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise ValueError("validation_data must be a pair (x_val, t_val)")
        x_val = as_float_array(validation_data[0], "x_val", dtype=net.dtype)
        check_ndim(x_val, "x_val", (2,))
        if x_val.shape[1] != net.sizes[0] or x_val.shape[0] == 0:
            raise ValueError(f"x_val must have shape (N, {net.sizes[0]}) with N >= 1; got "
                             f"{x_val.shape}")
        as_labels(validation_data[1], x_val.shape[0], net.sizes[-1])
    n = x.shape[0]
    if n == 0:
        raise ValueError("x holds no samples: there is nothing to train on")
    _memory.check(_memory.training_bytes(net.sizes, np.dtype(net.dtype).itemsize,
                                         batch_size if replacement else min(batch_size, n), opt),
                  f"fit: batch_size={batch_size} on a {net.sizes} network")
    rng = as_rng(rng)  # a RandomState draws as the book's np.random
    classify = loss == "cross_entropy" or net.sizes[-1] > 1
    labels = t if loss == "cross_entropy" else (np.argmax(t, axis=1) if classify else None)
    history = History()
    n_batches = -(-n // batch_size)
    buffers = {}  # gradient and layer-output arrays, reused by every step
    iteration = 0
    with _Interrupt() as interrupt:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            order = None if replacement else (rng.permutation(n) if shuffle else np.arange(n))
            total_loss, correct = 0.0, 0
            bar = _progress_bar(progress, n_batches, epoch, epochs)
            done = 0
            for b in range(n_batches):
                if replacement:  # the book's np.random.choice(train_size, batch_size)
                    idx = rng.choice(n, batch_size)
                else:
                    idx = order[b * batch_size:(b + 1) * batch_size]
                xb = np.ascontiguousarray(x[idx], dtype=net.dtype)
                tb = t[idx]
                value, _, out = backprop(net, xb, tb, loss, buffers, opt)
                done += len(idx)
                total_loss += value * len(idx)
                history.batch_loss.append(value)
                if labels is not None:
                    correct += int(np.count_nonzero(np.argmax(out, axis=1) == labels[idx]))
                if callbacks:
                    step = Step(net, epoch, iteration, xb, tb, value)
                    for cb in callbacks:
                        cb(step)
                iteration += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{total_loss / done:.4f}", refresh=False)
                if interrupt.hit:
                    break
            if bar is not None:
                bar.close()
            if interrupt.hit and b < n_batches - 1:
                history.interrupted = True
                break
            history.loss.append(total_loss / done)
            if labels is not None:
                history.accuracy.append(correct / done)
            if validation_data is not None:
                history.val_accuracy.append(net.accuracy(*validation_data))
            history.seconds.append(time.perf_counter() - start)
            if progress:  # the epoch's summary, with or without a bar
                line = f"epoch {epoch}/{epochs}: loss {history.loss[-1]:.4f}"
                if history.accuracy:
                    line += f", accuracy {history.accuracy[-1]:.4f}"
                if history.val_accuracy:
                    line += f", val_accuracy {history.val_accuracy[-1]:.4f}"
                print(line + f" ({history.seconds[-1]:.1f} s)", file=sys.stderr)
            if interrupt.hit:
                history.interrupted = True
                break
    if history.interrupted and progress:
        print("training interrupted: the network keeps the weights of the last finished batch",
              file=sys.stderr)
    return history
