"""A network's cached forward plan never outlives the state it was built from.

Everything a user can assign (``layer.W``, ``layer.b``, ``layer.activation``,
``net.layers`` and its items, ``net.output``) is either taken into account by the
next call or refused.  The fuzzer applies random sequences of such assignments,
interleaved with predict, classify, gradient and fit, and compares each result
with a network freshly built from the same state.
"""
import numpy as np
import pytest

import nncore
from nncore.network import ACTIVATIONS, OUTPUTS

TRAINABLE = ("sigmoid", "tanh", "relu", "identity")


def _fresh(net):
    """A new network built from ``net``'s public state (raises if it does not chain)."""
    return nncore.Network([nncore.Dense(layer.W, layer.b, layer.activation)
                           for layer in net.layers], output=net.output)


def _layouts(rng, a):
    """``a``'s values in a random memory layout and dtype."""
    choice = rng.integers(5)
    if choice == 0:
        return np.asfortranarray(a)
    if choice == 1:
        big = np.zeros((a.shape[0] * 2,) + a.shape[1:], a.dtype)
        big[::2] = a
        return big[::2]                         # strided rows
    if choice == 2:
        return a.tolist()
    if choice == 3:
        return np.ascontiguousarray(a[::-1])[::-1]  # negative strides
    return a.astype(np.float32 if a.dtype == np.float64 else np.float64)


def _assign(rng, net):
    """One random public assignment; returns a description for failure messages."""
    layers = net.layers
    i = int(rng.integers(len(layers)))
    layer = layers[i]
    op = int(rng.integers(12))
    if op == 0:
        layer.W = _layouts(rng, rng.standard_normal(layer.W.shape))
    elif op == 1:
        layer.b = _layouts(rng, rng.standard_normal(layer.b.shape))
    elif op == 2:
        layer.activation = str(rng.choice(TRAINABLE))
    elif op == 3:
        net.output = str(rng.choice(OUTPUTS))
    elif op == 4:   # same widths, new layer (maybe another dtype: refused at the next call)
        layers[i] = nncore.Dense(rng.standard_normal(layer.W.shape), rng.standard_normal(
            layer.n_out).astype(layer.dtype), str(rng.choice(TRAINABLE)))
    elif op == 5:   # another output width for the last layer, or a break in the chain
        width = int(rng.integers(1, 6))
        layers[i] = nncore.Dense(rng.standard_normal((layer.n_in, width)).astype(layer.dtype),
                                 np.zeros(width, layer.dtype), "identity")
    elif op == 6:
        layers.append(nncore.Dense(rng.standard_normal((net.layers[-1].n_out, 3))
                                   .astype(layer.dtype), np.zeros(3, layer.dtype), "identity"))
    elif op == 7 and len(layers) > 1:
        del layers[int(rng.integers(len(layers)))]
    elif op == 8:   # in-place values through the view: reach the layer
        layer.W[...] = rng.standard_normal(layer.W.shape)
        layer.b += 1.0
    elif op == 9:   # reshaping or retyping the view must not reach the plan
        view = layer.W
        view.shape = (view.size,)
        view = layer.b
        view.dtype = np.uint8 if view.dtype == np.float64 else np.int32
    elif op == 10:
        net.layers = tuple(nncore.Dense(lay.W, lay.b, lay.activation) for lay in layers)
        with pytest.raises(ValueError, match="does not chain"):  # refused at once, unchanged
            net.layers = [nncore.Dense(np.ones((2, 3)), np.zeros(3)),
                          nncore.Dense(np.ones((4, 1)), np.zeros(1))]
    else:           # a wrong shape is refused and changes nothing
        before = layer.W.copy()
        with pytest.raises(ValueError, match="W must keep the layer's shape"):
            layer.W = np.ones((layer.n_in + 1, layer.n_out))
        np.testing.assert_array_equal(layer.W, before)
    return op, i


def _call(rng, net, fresh, x, kind):
    n_out = fresh.sizes[-1]
    t = rng.integers(0, n_out, len(x)) if fresh.output == "softmax" else \
        rng.random((len(x), n_out)).astype(fresh.dtype)
    if kind == "predict":
        return net.predict(x.astype(fresh.dtype)), fresh.predict(x.astype(fresh.dtype))
    if kind == "classify":
        return net.classify(x), fresh.classify(x)
    if kind == "gradient":
        got, want = net.gradient(x, t), fresh.gradient(x, t)
        return np.concatenate([got[k].ravel() for k in sorted(got)]), \
            np.concatenate([want[k].ravel() for k in sorted(want)])
    net.fit(x, t, epochs=1, batch_size=3, rng=1, progress=False)
    fresh.fit(x, t, epochs=1, batch_size=3, rng=1, progress=False)
    return np.concatenate([v.ravel() for v in net.params.values()]), \
        np.concatenate([v.ravel() for v in fresh.params.values()])


@pytest.mark.parametrize("seed", range(12))
def test_fuzz_assignments_against_a_fresh_network(backend, seed):
    rng = np.random.default_rng(seed)
    dtype = np.float32 if seed % 2 else np.float64
    net = nncore.Network.init([5, 4, 3], activation="tanh", dtype=dtype, rng=seed)
    net.predict(np.ones((2, 5), dtype))          # a plan exists before the first change
    history = []
    for _ in range(25):
        history.append(_assign(rng, net))
        x = rng.standard_normal((int(rng.choice([1, 4, 70])), net.layers[0].n_in))
        kind = str(rng.choice(["predict", "classify", "gradient", "fit"]))
        try:
            fresh = _fresh(net)
        except (ValueError, TypeError) as exc:    # the state does not chain: refused
            with pytest.raises(type(exc)):
                net.predict(x)
            with pytest.raises(type(exc)):
                net.gradient(x, [0] * len(x))
            net.layers = [nncore.Dense(np.ones((5, 2), dtype), np.zeros(2, dtype), "relu")]
            continue
        got, want = _call(rng, net, fresh, x, kind)
        np.testing.assert_array_equal(got, want, err_msg=f"{kind} after {history}")


def test_assignments_are_copied_and_checked(backend):
    net = nncore.Network.init([3, 2], rng=0)
    layer = net.layers[0]
    W = np.asfortranarray(np.arange(6.0).reshape(3, 2))
    layer.W = W
    W[0, 0] = 100.0                                 # the layer holds its own copy
    assert layer.W[0, 0] == 0.0 and layer.W.flags.c_contiguous
    layer.W = np.ones((3, 2), np.int64)              # cast to the layer's dtype
    assert layer.W.dtype == np.float64
    for value, exc, word in [(np.ones(6), ValueError, "W must keep"),
                             (np.ones((3, 2), complex), TypeError, "W must have"),
                             ("abc", TypeError, "W must have"),
                             ([[1.0], [2.0, 3.0]], ValueError, "W must be")]:
        with pytest.raises(exc, match=word):
            layer.W = value
    with pytest.raises(ValueError, match="b must keep"):
        layer.b = np.ones(3)
    with pytest.raises(ValueError, match="activation must be one of"):
        layer.activation = "softmax"
    with pytest.raises(ValueError, match="output must be one of"):
        net.output = "relu"
    with pytest.raises(TypeError, match="layers must be a sequence"):
        net.layers = layer
    with pytest.raises(ValueError, match="at least one"):
        net.layers = []
    assert net.predict([1.0, 1.0, 1.0]).shape == (2,)   # refusals changed nothing


@pytest.mark.parametrize("output", OUTPUTS)
def test_output_assigned_after_a_predict(backend, output):
    net = nncore.Network.init([4, 3], rng=0, output="softmax")
    x = np.arange(8.0).reshape(2, 4)
    net.predict(x)
    net.output = output
    np.testing.assert_array_equal(net.predict(x), _fresh(net).predict(x))


def test_a_broken_chain_is_refused_at_every_entry_point(backend):
    net = nncore.Network.init([4, 3, 2], rng=0)
    net.predict(np.ones(4))
    net.layers.insert(1, nncore.Dense(np.ones((7, 3)), np.zeros(3)))
    for call in (lambda: net.predict(np.ones(4)), lambda: net.classify(np.ones((2, 4))),
                 lambda: net.gradient(np.ones((2, 4)), [0, 1]), lambda: net.params,
                 lambda: net.fit(np.ones((2, 4)), [0, 1], progress=False),
                 lambda: net.accuracy(np.ones((2, 4)), [0, 1]), lambda: net.sizes):
        with pytest.raises(ValueError, match="layer 2 does not chain with layer 1"):
            call()
    net.layers[1] = "not a layer"
    with pytest.raises(TypeError, match=r"layers\[1\] must be a Dense layer"):
        net.predict(np.ones(4))
    del net.layers[1]
    assert net.predict(np.ones(4)).shape == (2,)


def test_every_activation_can_be_assigned(backend):
    net = nncore.Network.init([3, 4, 2], rng=0)
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    for name in ACTIVATIONS:
        net.layers[0].activation = name
        np.testing.assert_array_equal(net.predict(x), _fresh(net).predict(x))
