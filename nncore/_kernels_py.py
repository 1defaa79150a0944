"""NumPy kernels: the specification of every kernel, and the pure-Python fallback.

The compiled module ``nncore._kernels_c`` (built from ``_kernels_c.pyx`` and ``_kernels_*.c`` beside this file) has exactly
these names and this contract.  Callers have already validated everything:

* arrays are C-contiguous and share one dtype, float32 or float64;
* shapes match; ``out`` is written in full and may *be* ``x`` for
  :func:`activate` and :func:`softmax_rows`, but never partially overlaps;
* nothing here raises on data, and float32 stays float32.

What only the compiled twin guarantees: a row's result does not depend on the
batch it is in, nor on the thread count (every row is summed in one fixed
order); here ``np.matmul`` hands the sums to the BLAS, whose order may change
with the batch's shape, so rows agree with the compiled twin's to rounding only.

NaN policy (both backends): every activation maps NaN to NaN; ``step(0) == 0``
(strictly ``x > 0``, as in the book); ``relu(-0.0) == +0.0``; a softmax row
holding NaN or ``+inf`` is all NaN.
"""
import numpy as np

BUILD_INFO = {}

ACTIVATION_CODES = {
    "identity": 0,
    "step": 1,
    "sigmoid": 2,
    "tanh": 3,
    "relu": 4,
    "softmax": 5,
}
_IDENTITY, _STEP, _SIGMOID, _TANH, _RELU, _SOFTMAX = range(6)

# ---------------------------------------------------------------- activations
#
# Each activation writes act(x) into out (out may be x); beside it, its
# derivative written on the activation's output h = act(a), as backpropagation
# has h at hand: d act / d a = derivative(h).  Step and softmax have none here:
# step cannot be trained (its derivative is 0 almost everywhere), and softmax
# is only ever an output, differentiated together with its loss.


def _identity(x, out):
    if out is not x:
        np.copyto(out, x)


def _step(x, out):
    # 1 where x > 0; NaN stays NaN; 0 elsewhere
    nan = np.isnan(x)
    np.greater(x, 0, out=out, casting="unsafe")
    np.copyto(out, np.nan, where=nan)


def _sigmoid(x, out):
    # exp is only ever taken of -|x| <= 0, so it cannot overflow:
    # x >= 0: 1 / (1 + e^-x);  x < 0: e^x / (1 + e^x)
    # (NaN >= 0 is False and e is NaN there, so NaN gives NaN)
    e = np.exp(-np.abs(x))
    num = np.where(x >= 0, 1, e).astype(x.dtype, copy=False)
    np.divide(num, 1 + e, out=out)


def _sigmoid_derivative(h):
    return h * (1 - h)


def _tanh(x, out):
    np.tanh(x, out=out)


def _tanh_derivative(h):
    return 1 - h * h


def _relu(x, out):
    np.maximum(x, 0, out=out)


def _relu_derivative(h):
    return (h > 0).astype(h.dtype)


def _softmax(x, out):
    """Row-wise softmax of a 2-D array (max subtracted first)."""
    if x.size == 0:
        return
    shifted = x - x.max(axis=1, keepdims=True)
    np.exp(shifted, out=out)
    out /= out.sum(axis=1, keepdims=True)


_ACTIVATIONS = {_IDENTITY: _identity, _STEP: _step, _SIGMOID: _sigmoid, _TANH: _tanh,
                _RELU: _relu, _SOFTMAX: _softmax}
#: derivatives on the output; identity's, 1, is left out (nothing to multiply by)
_DERIVATIVES = {_SIGMOID: _sigmoid_derivative, _TANH: _tanh_derivative,
                _RELU: _relu_derivative}


def _activate(code, out):
    """Apply activation ``code`` to ``out`` in place.

    Floating-point warnings are not raised by kernels: NaN and inf follow the
    policy in the module docstring, silently, as in the compiled backend.
    """
    with np.errstate(all="ignore"):
        _ACTIVATIONS[code](out, out)


# ---------------------------------------------------------------- kernels

def activate(x, act, out):
    """out[:] = act(x) elementwise (any code but softmax); out may be x."""
    _identity(x, out)
    _activate(act, out)


def softmax_rows(x, out):
    """Row-wise softmax of a 2-D array (max subtracted first)."""
    with np.errstate(all="ignore"):
        _softmax(x, out)


def dense(x, W, b, act, out):
    """out = act(x @ W + b)."""
    if out.size == 0:
        return
    with np.errstate(all="ignore"):
        np.matmul(x, W, out=out)
        out += b
    _activate(act, out)


def affine(x, W, b, out):
    """out = x @ W + b"""
    dense(x, W, b, _IDENTITY, out)


class Forward:
    """A network's forward pass: ``plan(x, out)`` (the compiled twin runs it in one call).

    ``Ws[l]`` is ``(n_l, n_{l+1})``, ``bs[l]`` is ``(n_{l+1},)``, ``acts[l]`` is the
    code of layer ``l``'s activation and ``out_act`` the code of the output
    activation applied after the last layer.  The plan keeps references to the
    arrays, so in-place changes to them are seen by the next call.
    """

    def __init__(self, Ws, bs, acts, out_act):
        self.layers = list(zip(Ws, bs, acts))
        self.out_act = out_act

    def __call__(self, x, out):
        src = x
        last = len(self.layers) - 1
        for i, (W, b, act) in enumerate(self.layers):
            dst = out if i == last else np.empty((x.shape[0], W.shape[1]), x.dtype)
            dense(src, W, b, act, dst)
            src = dst
        if self.out_act != _IDENTITY:
            _activate(self.out_act, out)

    def predict(self, x):
        """The output for x, or None unless x is the plain case.

        The plain case: an ``ndarray`` (not a subclass) of the plan's dtype,
        C-contiguous, one sample ``(n_in,)`` or a non-empty batch ``(N, n_in)``.
        The result is a new array, ``(n_out,)`` or ``(N, n_out)``.  Anything else
        is left to the caller's validation (nothing is raised for it here).
        """
        W0 = self.layers[0][0]
        n_in, n_out = W0.shape[0], self.layers[-1][0].shape[1]
        if (type(x) is not np.ndarray or x.dtype != W0.dtype or n_in == 0 or n_out == 0
                or x.ndim not in (1, 2) or x.shape[-1] != n_in or x.shape[0] == 0
                or not x.flags.c_contiguous):
            return None
        x2 = x.reshape(-1, n_in)
        out = np.empty((x2.shape[0], n_out), x.dtype)
        self(x2, out)
        return out[0] if x.ndim == 1 else out


# ---------------------------------------------------------------- training

LOSS_CODES = {"cross_entropy": 0, "mse": 1, "binary_cross_entropy": 2}
_CE, _MSE, _BCE = range(3)


def _output_delta(out_act, loss, h, t):
    """(sum of the per-sample losses, d loss_sum / d h) for the last layer's output h."""
    if loss == _CE:  # softmax output: from the logits, without log(0) or overflow
        shifted = h - h.max(axis=1, keepdims=True)
        lse = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        rows = np.arange(h.shape[0])
        total = float(np.sum(lse[:, 0] - shifted[rows, t], dtype=np.float64))
        g = np.exp(shifted - lse)
        g[rows, t] -= 1
        return total, g
    if loss == _BCE:  # sigmoid output: softplus(h) - t h
        y = np.empty_like(h)
        _sigmoid(h, y)
        soft = np.maximum(h, 0) + np.log1p(np.exp(-np.abs(h)))
        return float(np.sum(soft - t * h, dtype=np.float64)), y - t
    y = h.copy()  # mse on the output activation's value
    _activate(out_act, y)
    diff = y - t
    total = 0.5 * float(np.sum(diff * diff, dtype=np.float64))
    if out_act == _SIGMOID:
        diff *= y * (1 - y)
    return total, diff


def gradient(Ws, bs, acts, out_act, loss, x, t, zs, dWs, dbs):
    """Backpropagation for one batch: fills dWs and dbs, returns the mean loss.

    ``zs[l]`` receives layer ``l``'s activated output; ``t`` is int64 labels for
    ``cross_entropy`` and an ``(N, n_out)`` array of the network's dtype otherwise.
    Gradients are of the mean loss over the batch.  An empty batch gives zeros.
    """
    n = x.shape[0]
    src = x
    for W, b, act, z in zip(Ws, bs, acts, zs):
        dense(src, W, b, act, z)
        src = z
    if n == 0:
        for d in list(dWs) + list(dbs):
            d[...] = 0
        return 0.0
    with np.errstate(all="ignore"):
        total, delta = _output_delta(out_act, loss, zs[-1], t)
        delta /= n
        for layer in range(len(Ws) - 1, -1, -1):
            derivative = _DERIVATIVES.get(acts[layer])
            if derivative is not None:
                delta *= derivative(zs[layer])
            z_in = x if layer == 0 else zs[layer - 1]
            np.matmul(z_in.T, delta, out=dWs[layer])
            np.sum(delta, axis=0, out=dbs[layer])
            if layer:
                delta = delta @ Ws[layer].T
    return total / n



# Optimizer codes of the fused training step (train_step), shared with the compiled twin.
UPDATE_CODES = {"sgd": 1, "momentum": 2, "adagrad": 3, "rmsprop": 4, "adam": 5}
_STATES = (0, 0, 1, 1, 1, 2)   # state arrays per parameter, by code


def train_step(Ws, bs, acts, out_act, loss, x, t, zs, dWs, dbs, update=0, states=None,
               scalars=(), weight_decay=0.0, nesterov=False):
    """gradient(), then with an ``update`` code (UPDATE_CODES) one optimizer step on
    every W and b: ``states`` holds per parameter (W1, b1, W2, ...) its state arrays,
    ``scalars`` the update's (lr, ...), ``weight_decay`` is added times W to each W's
    gradient.  The step of nncore/optimizers.py, parameter by parameter."""
    if not 0 <= update <= 5:
        raise ValueError(f"unknown update code {update}")
    value = gradient(Ws, bs, acts, out_act, loss, x, t, zs, dWs, dbs)
    if update:
        step = (None, sgd_update, momentum_update, adagrad_update, rmsprop_update,
                adam_update)[update]
        if states is None or len(states) != 2 * len(Ws):
            raise ValueError(f"states must hold one entry per parameter ({2 * len(Ws)})")
        for i, (p, g) in enumerate(pair for layer in zip(zip(Ws, dWs), zip(bs, dbs))
                                   for pair in layer):
            state = tuple(states[i])
            if len(state) != _STATES[update] or any(
                    type(s) is not np.ndarray or s.dtype != p.dtype or s.size != p.size
                    or not s.flags.c_contiguous for s in state):
                raise ValueError("an optimizer state array must be a C-contiguous array of "
                                 "the parameter's dtype and size")
            if weight_decay and i % 2 == 0:
                g += weight_decay * p
            step(p.reshape(-1), g.reshape(-1), *(s.reshape(-1) for s in state), *scalars)
            if nesterov:
                p += (scalars[1] - 1.0) * state[0].reshape(p.shape) - scalars[0] * g
    return value

# ---------------------------------------------------------------- optimizer steps
#
# One step of each optimizer on one parameter, in place: p, g and the state
# arrays are 1-D, C-contiguous, of one float dtype.  The scalars are Python
# floats, except Adam's lr_t, a float64 that makes Adam's last line compute in
# float64 (then rounded to p's dtype); the compiled twin rounds exactly alike.

def sgd_update(p, g, lr):
    """p -= lr * g"""
    p -= lr * g


def momentum_update(p, g, v, lr, momentum):
    """v = momentum * v - lr * g;  p += v"""
    v *= momentum
    v -= lr * g
    p += v


def adagrad_update(p, g, h, lr, eps):
    """h += g²;  p -= lr * g / (sqrt(h) + eps)"""
    h += g * g
    p -= lr * g / (np.sqrt(h) + eps)


def rmsprop_update(p, g, h, lr, decay, eps):
    """h = decay * h + (1 - decay) * g²;  p -= lr * g / (sqrt(h) + eps)"""
    h *= decay
    h += (1 - decay) * g * g
    p -= lr * g / (np.sqrt(h) + eps)


def adam_update(p, g, m, v, lr_t, beta1, beta2, eps):
    """m += (1 - beta1)(g - m);  v += (1 - beta2)(g² - v);  p -= lr_t m / (sqrt(v) + eps)"""
    m += (1 - beta1) * (g - m)
    v += (1 - beta2) * (g * g - v)
    p -= np.float64(lr_t) * m / (np.sqrt(v) + eps)


def rank1_update(W, d, x, lr):
    """W += lr * outer(d, x): each product d[i] * x[j] rounded, times lr, added

    W is (len(d), len(x)); d and x never overlap W.  The book's per-sample
    training update ``W += lr * np.dot(d, x.T)`` on columns: a product of one term
    is the product itself, rounded once."""
    t = np.einsum("i,j->ij", d, x)
    t *= lr
    W += t


# ---------------------------------------------------------------- threads

_num_threads = 1


def set_num_threads(n):
    """Recorded for parity with the compiled backend; NumPy's BLAS has its own setting."""
    global _num_threads
    _num_threads = n


def get_num_threads():
    return _num_threads
