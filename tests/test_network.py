"""Dense and Network (chapter 3) on both backends."""

import numpy as np
import pytest

import nncore

from . import oracles

BOOK_PARAMS = {
    "W1": [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], "b1": [0.1, 0.2, 0.3],
    "W2": [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]], "b2": [0.1, 0.2],
    "W3": [[0.1, 0.3], [0.2, 0.4]], "b3": [0.1, 0.2],
}
HIDDEN = {"sigmoid": oracles.sigmoid, "tanh": oracles.tanh, "relu": oracles.relu,
          "identity": oracles.identity, "step": oracles.step}
OUTPUT = {"identity": oracles.identity, "sigmoid": oracles.sigmoid, "softmax": oracles.softmax}


def reference_forward(net, x):
    """The network evaluated layer by layer in float64 with the test oracles."""
    a = np.asarray(x, np.float64)
    for layer in net.layers:
        a = HIDDEN[layer.activation](oracles.affine(a, layer.W, layer.b))
    return OUTPUT[net.output](a)


def test_book_three_layer_example(backend, dtype):
    net = nncore.Network.from_params(BOOK_PARAMS, activation="sigmoid", output="identity",
                                     dtype=dtype)
    y = net.predict(np.array([1.0, 0.5]))
    assert y.dtype == dtype and y.shape == (2,)
    # the book prints 8 decimals: equal to within half a unit of the last one
    atol = 5e-9 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(y, [0.31682708, 0.69627909], rtol=0, atol=atol)
    np.testing.assert_array_equal(net([1.0, 0.5]), y)


@pytest.mark.parametrize("sizes", [[3, 2], [5, 4, 3], [7, 16, 8, 4], [20, 1, 9, 3, 2], [784, 50, 100, 10]])
@pytest.mark.parametrize("activation", sorted(HIDDEN))
@pytest.mark.parametrize("output", sorted(OUTPUT))
def test_matches_layerwise_oracle(backend, dtype, sizes, activation, output):
    rng = np.random.default_rng(sum(sizes))
    net = nncore.Network.init(sizes, activation=activation, output=output, weight_init=0.5,
                              dtype=dtype, rng=rng)
    for layer in net.layers:  # non-zero biases
        layer.b[...] = rng.standard_normal(layer.n_out) * 0.5
    x = rng.standard_normal((150, sizes[0])).astype(dtype)  # more rows than one compiled chunk
    got = net.predict(x)
    assert got.shape == (150, sizes[-1]) and got.dtype == dtype
    want = reference_forward(net, x)
    if activation == "step":
        # a pre-activation within rounding of 0 may legitimately flip: compare where it is clear
        pre = np.asarray(x, np.float64)
        clear = np.ones(len(x), bool)
        for layer in net.layers[:-1]:
            z = oracles.affine(pre, layer.W, layer.b)
            clear &= (np.abs(z) > 1e-3).all(axis=1)
            pre = oracles.step(z)
        got, want = got[clear], want[clear]
    # rounding error scales with the magnitude of the sums, not of each result
    tol = 2e-5 if dtype == np.float32 else 1e-12
    scale = max(1.0, float(np.abs(want).max(initial=0)))
    np.testing.assert_allclose(got, want, rtol=tol * 10, atol=tol * scale)


def test_single_batch_empty_and_layouts(backend, dtype):
    net = nncore.Network.init([6, 5, 3], dtype=dtype, rng=1)
    x = np.random.default_rng(2).standard_normal((8, 6)).astype(dtype)
    batch = net.predict(x)
    np.testing.assert_allclose(net.predict(x[3]), batch[3], rtol=1e-6)
    assert net.predict(np.empty((0, 6), dtype)).shape == (0, 3)
    ro = x.copy()
    ro.flags.writeable = False
    for view, want in [(np.asfortranarray(x), batch), (x[::-1], batch[::-1]), (ro, batch),
                       (np.repeat(x, 2, axis=1)[:, ::2], batch)]:
        before = view.copy()
        np.testing.assert_allclose(net.predict(view), want, rtol=1e-6)
        np.testing.assert_array_equal(view, before)


class _Sub(np.ndarray):
    pass


def test_plan_fast_path_takes_exactly_the_plain_case(backend, dtype):
    """Forward.predict computes a plain C-contiguous array of the plan's dtype and
    returns None for everything else, which Network then validates and converts."""
    net = nncore.Network.init([6, 5, 3], output="softmax", dtype=dtype, rng=1)
    plan = net._forward_plan("softmax")
    x = np.random.default_rng(2).standard_normal((8, 6)).astype(dtype)
    want = np.empty((8, 3), dtype)
    plan(x, want)
    ro = x.copy()
    ro.flags.writeable = False
    for plain, expected in [(x, want), (x[3], want[3]), (x[2:3], want[2:3]), (ro, want)]:
        got = plan.predict(plain)
        assert got.dtype == dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)
        assert not np.shares_memory(got, plain)
    other = np.float32 if dtype == np.float64 else np.float64
    for odd in [x.astype(other), np.asfortranarray(x), x[:, ::-1], x[::2], x[0, ::1][::-1],
                x[:, :5], np.empty((0, 6), dtype), x.reshape(2, 4, 6), x.view(_Sub),
                x.tolist(), np.float64(1.0)]:
        assert plan.predict(odd) is None
        if isinstance(odd, np.ndarray) and odd.ndim in (1, 2) and odd.shape[-1] == 6:
            np.testing.assert_allclose(net.predict(odd), reference_forward(net, odd),
                                       rtol=1e-5, atol=1e-6)


def test_float32_network_stays_float32(backend):
    net = nncore.Network.init([4, 3, 2], dtype=np.float32, rng=0)
    assert net.dtype == np.float32
    assert net.predict(np.ones((2, 4))).dtype == np.float32       # float64 input
    assert net.predict([[1, 2, 3, 4]]).dtype == np.float32         # int input
    assert all(v.dtype == np.float32 for v in net.params.values())


def test_classify_and_accuracy(backend, dtype):
    net = nncore.Network.init([10, 8, 4], dtype=dtype, weight_init=1.0, rng=3)
    x = np.random.default_rng(4).standard_normal((57, 10)).astype(dtype)
    labels = net.classify(x)
    np.testing.assert_array_equal(labels, net.predict(x).argmax(axis=1))
    assert labels.dtype == np.int64
    assert net.classify(x[0]) == labels[0]
    assert net.accuracy(x, labels) == 1.0
    assert net.accuracy(x, np.eye(4)[labels], batch_size=7) == 1.0
    wrong = (labels + 1) % 4
    wrong[:10] = labels[:10]
    assert net.accuracy(x, wrong, batch_size=1) == pytest.approx(10 / 57)


def test_accuracy_validation():
    net = nncore.Network.init([3, 2], rng=0)
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match="x has 4 samples but t has 3 labels"):
        net.accuracy(x, [0, 1, 0])
    with pytest.raises(ValueError, match=r"labels in t must lie in \[0, 2\)"):
        net.accuracy(x, [0, 1, 2, 0])
    with pytest.raises(ValueError, match=r"one-hot t must have shape \(4, 2\)"):
        net.accuracy(x, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        net.accuracy(x, [0, 1, 0, 1], batch_size=0)
    with pytest.raises(ValueError, match="empty batch"):
        net.accuracy(np.zeros((0, 3)), [])
    with pytest.raises(ValueError, match="whole-number labels"):
        net.accuracy(x, [0.5, 1, 0, 1])


def test_from_params_checks(backend):
    bad = dict(BOOK_PARAMS, W2=np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"layer 2 does not chain with layer 1: W1 has shape \(2, 3\) "
                                         r"\(3 outputs\) but W2 has shape \(4, 2\) \(4 inputs\)"):
        nncore.Network.from_params(bad)
    missing = {k: v for k, v in BOOK_PARAMS.items() if k != "b2"}
    with pytest.raises(ValueError, match=r"missing \['b2'\]"):
        nncore.Network.from_params(missing)
    with pytest.raises(ValueError, match=r"unexpected \['W5', 'extra'\]"):
        nncore.Network.from_params(dict(BOOK_PARAMS, extra=1, W5=np.zeros((2, 2))))
    with pytest.raises(ValueError, match=r"b3 must have shape \(2,\)"):
        nncore.Network.from_params(dict(BOOK_PARAMS, b3=[1.0]))
    with pytest.raises(ValueError, match="activation must be one of 'sigmoid', 'tanh', 'relu', 'identity', 'step'; got 'swish'"):
        nncore.Network.from_params(BOOK_PARAMS, activation="swish")
    with pytest.raises(ValueError, match="output must be one of 'identity', 'sigmoid', 'softmax'"):
        nncore.Network.from_params(BOOK_PARAMS, output="relu")
    with pytest.raises(TypeError, match="params must be a dict"):
        nncore.Network.from_params([1, 2])
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        nncore.Network.from_params(BOOK_PARAMS, dtype=np.int32)


def test_network_and_dense_checks(backend):
    with pytest.raises(ValueError, match="at least one Dense layer"):
        nncore.Network([])
    with pytest.raises(TypeError, match=r"layers\[0\] must be a Dense layer; got list"):
        nncore.Network([[1]])
    a = nncore.Dense(np.zeros((2, 3)), np.zeros(3))
    b = nncore.Dense(np.zeros((3, 2), np.float32), np.zeros(2))
    with pytest.raises(TypeError, match="layer 1 is float64 but layer 2 is float32"):
        nncore.Network([a, b])
    with pytest.raises(ValueError, match="activation must be one of"):
        nncore.Dense(np.zeros((2, 3)), np.zeros(3), "softmax")
    with pytest.raises(ValueError, match=r"b must have shape \(3,\)"):
        nncore.Dense(np.zeros((2, 3)), np.zeros(2))
    net = nncore.Network([a])
    with pytest.raises(ValueError, match=r"x has 3 features per sample \(shape \(3,\)\) but the network takes 2"):
        net.predict([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="x must be 1-D or 2-D"):
        net.predict(np.zeros((1, 1, 2)))
    with pytest.raises(TypeError, match="x must have a float32, float64, integer or bool dtype; got complex128"):
        net.predict(np.zeros(2, complex))


def test_init(dtype):
    state = np.random.get_state()[1].copy()
    a = nncore.Network.init([100, 200, 10], weight_init=0.01, dtype=dtype, rng=42)
    b = nncore.Network.init([100, 200, 10], weight_init=0.01, dtype=dtype,
                            rng=np.random.default_rng(42))
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert a.params["W1"].std() == pytest.approx(0.01, rel=0.05)
    assert not a.params["b1"].any()
    assert a.activations == ["sigmoid", "identity"]
    he = nncore.Network.init([100, 200, 10], weight_init="he", rng=0)
    assert he.params["W1"].std() == pytest.approx(np.sqrt(2 / 100), rel=0.05)
    xavier = nncore.Network.init([100, 200, 10], weight_init="xavier", rng=0)
    assert xavier.params["W2"].std() == pytest.approx(np.sqrt(1 / 200), rel=0.05)
    with pytest.raises(ValueError, match="weight_init must be one of 'xavier', 'he'"):
        nncore.Network.init([2, 2], weight_init="lecun")
    with pytest.raises(ValueError, match="at least two positive widths"):
        nncore.Network.init([2])
    # a RandomState draws the book's 0.01 * np.random.randn(...) weights, bit for bit
    book = nncore.Network.init([100, 20, 10], dtype=np.float64, rng=np.random.RandomState(0))
    rs = np.random.RandomState(0)
    np.testing.assert_array_equal(book.params["W1"], 0.01 * rs.randn(100, 20))
    np.testing.assert_array_equal(book.params["W2"], 0.01 * rs.randn(20, 10))


def test_params_are_the_network_arrays(backend):
    net = nncore.Network.from_params(BOOK_PARAMS, output="identity")
    x = np.array([1.0, 0.5])
    before = net.predict(x)
    net.params["b3"] += 1.0   # in place, as an optimizer does
    np.testing.assert_allclose(net.predict(x), before + 1.0)
    net.params["b3"] = net.params["b3"] - 1.0   # assignment reaches the layer too
    np.testing.assert_allclose(net.predict(x), before)
    W = net.layers[0].W
    net.params["W1"] = np.zeros((2, 3), np.float32)   # copied in, cast to the network's dtype
    assert np.shares_memory(net.layers[0].W, W) and not W.any() and W.dtype == np.float64
    assert net.predict(x) is not None and sorted(net.params) == sorted(BOOK_PARAMS)
    with pytest.raises(ValueError, match=r"params\['W1'\] must keep its shape \(2, 3\)"):
        net.params["W1"] = np.zeros((3, 2))
    with pytest.raises(KeyError, match="parameters cannot be added"):
        net.params["W4"] = np.zeros((2, 2))
    with pytest.raises(TypeError, match="cannot be removed"):
        del net.params["W1"]
    with pytest.raises(TypeError, match="must be numeric"):
        net.params["b1"] = ["a", "b", "c"]


def test_dense_forward(backend, dtype):
    layer = nncore.Dense(np.array(BOOK_PARAMS["W1"], dtype), BOOK_PARAMS["b1"], "sigmoid")
    got = layer.forward([1.0, 0.5])
    assert got.dtype == dtype
    np.testing.assert_allclose(got, [0.57444252, 0.66818777, 0.75026011], rtol=1e-6)
    assert layer.forward(np.ones((4, 2))).shape == (4, 3)
    assert layer.W.flags.c_contiguous
