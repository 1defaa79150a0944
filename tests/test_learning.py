"""Losses, numerical gradients, backprop (gradient check), optimizers and fit."""
import os
import pickle
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

import nncore
from nncore.datasets import load_mnist

Y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
Y7 = [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]
T2 = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]


def test_book_loss_numbers():
    assert round(nncore.mean_squared_error(Y, T2), 4) == 0.0975
    assert round(nncore.cross_entropy_error(Y, T2), 4) == 0.5108
    assert round(nncore.mean_squared_error(Y7, T2), 4) == 0.5975
    assert round(nncore.cross_entropy_error(Y7, T2), 4) == 2.3026
    # labels instead of one-hot, and batches averaged over samples
    assert nncore.cross_entropy_error(Y, 2) == nncore.cross_entropy_error(Y, T2)
    batch = np.array([Y, Y7])
    assert nncore.cross_entropy_error(batch, [2, 2]) == pytest.approx((0.5108 + 2.3026) / 2, abs=1e-4)
    assert nncore.cross_entropy_error(batch, [T2, T2]) == nncore.cross_entropy_error(batch, [2, 2])
    assert nncore.mean_squared_error(batch, [T2, T2]) == pytest.approx((0.0975 + 0.5975) / 2)
    # a zero probability gives a large but finite loss
    assert np.isfinite(nncore.cross_entropy_error([0.0, 1.0], 0))


def test_loss_validation():
    with pytest.raises(ValueError, match="t must have the shape of y"):
        nncore.mean_squared_error(Y, T2[:-1])
    with pytest.raises(ValueError, match=r"labels in t must lie in \[0, 10\)"):
        nncore.cross_entropy_error(Y, 10)
    with pytest.raises(ValueError, match="one label per sample"):
        nncore.cross_entropy_error(np.array([Y, Y]), [1, 2, 3])
    with pytest.raises(ValueError, match="empty batch"):
        nncore.cross_entropy_error(np.zeros((0, 3)), [])
    with pytest.raises(TypeError, match="y must have a float32"):
        nncore.mean_squared_error(["a"], [1])


def test_numerical_gradient_restores_x_exactly():
    x = np.random.default_rng(0).standard_normal((3, 4))
    before = x.copy()
    grad = nncore.numerical_gradient(lambda _: float(np.sum(x ** 3)), x)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(grad, 3 * before ** 2, rtol=1e-6, atol=2e-8)  # error h**2
    assert grad.shape == (3, 4)
    g3 = nncore.numerical_gradient(lambda a: float(np.sum(np.sin(a))), np.ones((2, 2, 2)))
    np.testing.assert_allclose(g3, np.cos(1.0), rtol=1e-7)
    # a list is copied, not modified
    np.testing.assert_allclose(nncore.numerical_gradient(lambda a: a[0] * a[1], [3, 4]), [4, 3])
    with pytest.raises(TypeError, match="f must be callable"):
        nncore.numerical_gradient(3, x)
    with pytest.raises(ValueError, match="h must be a positive number"):
        nncore.numerical_gradient(np.sum, x, h=0)


COMBINATIONS = [("softmax", "cross_entropy"), ("identity", "mse"),
                ("sigmoid", "binary_cross_entropy"), ("sigmoid", "mse")]


def _random_net(sizes, activation, output, seed):
    rng = np.random.default_rng(seed)
    net = nncore.Network.init(sizes, activation=activation, output=output, weight_init=0.5, rng=rng)
    for layer in net.layers:
        layer.b[...] = rng.standard_normal(layer.n_out) * 0.3
    x = rng.standard_normal((7, sizes[0]))
    return net, x, rng


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "identity"])
@pytest.mark.parametrize("output, loss", COMBINATIONS)
@pytest.mark.parametrize("sizes", [[4, 5, 3], [3, 6, 4, 2]])
def test_gradient_check(backend, activation, output, loss, sizes):
    net, x, rng = _random_net(sizes, activation, output, seed=len(sizes))
    t = rng.integers(0, sizes[-1], 7) if loss == "cross_entropy" else rng.random((7, sizes[-1]))
    grads = net.gradient(x, t, loss=loss)
    for key, p in net.params.items():
        numeric = nncore.numerical_gradient(lambda _: net.loss(x, t, loss=loss), p)
        err = np.linalg.norm(numeric - grads[key]) / max(
            np.linalg.norm(numeric) + np.linalg.norm(grads[key]), 1e-12)
        assert err < 1e-6, f"{key}: relative error {err:.2e}"


def test_backends_agree_on_gradients(dtype):
    from nncore import _kernels, _kernels_py

    from .conftest import KERNEL_MODULES
    net, x, rng = _random_net([6, 8, 5, 4], "tanh", "softmax", seed=3)
    net = nncore.Network.from_params(net.params, activation="tanh", output="softmax", dtype=dtype)
    t = rng.integers(0, 4, 7)
    results = {}
    for name, module in KERNEL_MODULES.items():
        saved, _kernels.impl = _kernels.impl, module
        try:
            results[name] = (net.loss(x, t), net.gradient(x, t))
        finally:
            _kernels.impl = saved
    ref_loss, ref = results["python"]
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for name, (value, grads) in results.items():
        assert value == pytest.approx(ref_loss, rel=tol)
        for key in ref:
            assert grads[key].dtype == dtype
            np.testing.assert_allclose(grads[key], ref[key], rtol=tol, atol=tol)


def test_loss_is_stable_for_extreme_logits(backend):
    net = nncore.Network.from_params({"W1": np.array([[1000.0, -1000.0, 0.0]]),
                                      "b1": np.zeros(3)}, output="softmax")
    value = net.loss([[1.0]], [1])
    assert value == pytest.approx(2000.0)
    grads = net.gradient([[1.0]], [1])
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    sig = nncore.Network.from_params({"W1": np.array([[800.0]]), "b1": np.zeros(1)}, output="sigmoid")
    assert sig.loss([[1.0]], [[0.0]]) == pytest.approx(800.0)


def test_training_errors(backend):
    net = nncore.Network.init([3, 4, 2], activation="step", rng=0)
    with pytest.raises(ValueError, match="layer 1 uses the step activation.*cannot be trained"):
        net.gradient(np.ones((1, 3)), [0])
    net = nncore.Network.init([3, 4, 2], rng=0)
    with pytest.raises(ValueError, match="loss 'mse' needs output 'identity' or 'sigmoid'"):
        net.gradient(np.ones((1, 3)), [0], loss="mse")
    with pytest.raises(ValueError, match="loss must be one of"):
        net.loss(np.ones((1, 3)), [0], loss="hinge")
    with pytest.raises(ValueError, match="x has 2 samples but t has 3 labels"):
        net.gradient(np.ones((2, 3)), [0, 1, 1])
    reg = nncore.Network.init([3, 2], output="identity", rng=0)
    with pytest.raises(ValueError, match=r"t must have shape \(2, 2\) for loss 'mse'"):
        reg.gradient(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="nothing to train on"):
        net.fit(np.zeros((0, 3)), [], progress=False)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        net.fit(np.ones((2, 3)), [0, 1], epochs=0)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        net.fit(np.ones((2, 3)), [0, 1], optimizer="lbfgs")


# ---------------------------------------------------------------- optimizers

@pytest.mark.parametrize("name, lr", [("SGD", 0.1), ("Momentum", 0.05), ("AdaGrad", 0.5),
                                      ("RMSprop", 0.05), ("Adam", 0.1)])
def test_optimizers_minimise_a_quadratic(name, lr):
    target = np.array([3.0, -2.0])
    params = {"W1": np.zeros(2), "b1": np.zeros(1)}
    opt = getattr(nncore, name)(lr=lr)
    for _ in range(500):
        grads = {"W1": params["W1"] - target, "b1": params["b1"] - 1.0}
        opt.update(params, grads)
    np.testing.assert_allclose(params["W1"], target, atol=0.05)
    clone = pickle.loads(pickle.dumps(opt))
    assert type(clone) is type(opt) and clone.lr == opt.lr


def test_weight_decay_and_validation():
    params = {"W1": np.array([1.0]), "b1": np.array([1.0])}
    nncore.SGD(lr=0.1, weight_decay=0.5).update(params, {"W1": np.zeros(1), "b1": np.zeros(1)})
    assert params["W1"][0] == pytest.approx(0.95) and params["b1"][0] == 1.0
    with pytest.raises(ValueError, match="lr must be a finite number >= 0"):
        nncore.Adam(lr=-1)
    with pytest.raises(ValueError, match="same keys"):
        nncore.SGD().update(params, {"W1": np.zeros(1)})
    with pytest.raises(ValueError, match=r"grads\['W1'\] has shape \(2,\)"):
        nncore.SGD().update(params, {"W1": np.zeros(2), "b1": np.zeros(1)})
    with pytest.raises(ValueError, match="momentum must lie in"):
        nncore.Momentum(momentum=1.5)


# ---------------------------------------------------------------- fit

XOR_X = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=float)


def test_fit_learns_xor_and_reports_history(backend, dtype):
    net = nncore.Network.init([2, 8, 2], activation="tanh", weight_init="xavier", dtype=dtype, rng=1)
    history = net.fit(XOR_X, [0, 1, 1, 0], epochs=300, batch_size=4, optimizer="adam", lr=0.05,
                      rng=0, progress=False, validation_data=(XOR_X, [0, 1, 1, 0]))
    np.testing.assert_array_equal(net.classify(XOR_X), [0, 1, 1, 0])
    assert history.epochs == 300 and len(history.accuracy) == 300
    assert history.loss[-1] < history.loss[0] / 10
    assert history.val_accuracy[-1] == 1.0 and not history.interrupted
    assert net.dtype == dtype


def test_fit_is_reproducible(backend):
    def train(seed):
        net = nncore.Network.init([2, 6, 2], activation="relu", weight_init="he", rng=5)
        net.fit(np.tile(XOR_X, (8, 1)), np.tile([0, 1, 1, 0], 8), epochs=5, batch_size=3,
                optimizer="momentum", lr=0.1, rng=seed, progress=False)
        return net.params

    a, b, c = train(7), train(7), train(8)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert any(not np.array_equal(a[k], c[k]) for k in a)


def test_fit_equals_its_steps_done_by_hand(backend, dtype):
    """fit reuses its gradient arrays between steps (and a smaller last batch): the
    result is the same as gradient + update called step by step."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((26, 5)).astype(dtype)
    t = rng.integers(0, 3, 26)
    fitted = nncore.Network.init([5, 7, 3], activation="relu", dtype=dtype, rng=2)
    by_hand = nncore.Network.init([5, 7, 3], activation="relu", dtype=dtype, rng=2)
    fitted.fit(x, t, epochs=2, batch_size=4, optimizer=nncore.Momentum(lr=0.1), rng=9,
               progress=False)
    opt, order_rng = nncore.Momentum(lr=0.1), np.random.default_rng(9)
    for _ in range(2):
        order = order_rng.permutation(26)
        for start in range(0, 26, 4):
            idx = order[start:start + 4]
            opt.update(by_hand.params, by_hand.gradient(x[idx], t[idx]))
    for key, value in fitted.params.items():
        np.testing.assert_array_equal(value, by_hand.params[key])
    first = by_hand.gradient(x[:4], t[:4])
    kept = {k: v.copy() for k, v in first.items()}
    by_hand.gradient(x[4:9], t[4:9])  # gradient() itself returns new arrays every call
    for key in kept:
        np.testing.assert_array_equal(first[key], kept[key])


def test_fit_progress_output(capsys, backend):
    net = nncore.Network.init([2, 3, 2], rng=0)
    net.fit(XOR_X, [0, 1, 1, 0], epochs=2, batch_size=2, progress=True)
    err = capsys.readouterr().err
    assert "epoch 1/2" in err and "epoch 2/2" in err
    net.fit(XOR_X, [0, 1, 1, 0], epochs=2, batch_size=2, progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="signal handlers need the main thread")
def test_ctrl_c_stops_after_the_current_batch(backend):
    class Interrupting(nncore.SGD):
        calls = 0

        def update(self, params, grads):
            super().update(params, grads)
            Interrupting.calls += 1
            if Interrupting.calls == 3:
                os.kill(os.getpid(), signal.SIGINT)

    x = np.tile(XOR_X, (5, 1))
    t = np.tile([0, 1, 1, 0], 5)
    net = nncore.Network.init([2, 4, 2], rng=0)
    history = net.fit(x, t, epochs=10, batch_size=2, optimizer=Interrupting(lr=0.5), rng=3,
                      progress=False)
    assert history.interrupted and history.epochs == 0
    assert Interrupting.calls == 3
    # the same three batches, replayed without interruption, give the same weights
    replay = nncore.Network.init([2, 4, 2], rng=0)
    order = np.random.default_rng(3).permutation(len(x))[:6]
    opt = nncore.SGD(lr=0.5)
    for b in range(3):
        idx = order[2 * b:2 * b + 2]
        opt.update(replay.params, replay.gradient(x[idx], t[idx]))
    for key in net.params:
        np.testing.assert_array_equal(net.params[key], replay.params[key])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_fit_in_one_thread_while_another_predicts(backend):
    trainee = nncore.Network.init([2, 8, 2], activation="tanh", weight_init="xavier", rng=1)
    other = nncore.Network.init([784, 30, 10], rng=2)
    x = np.random.default_rng(0).random((200, 784))
    expected = other.predict(x)
    errors = []

    def predict_loop():
        for _ in range(50):
            if not np.array_equal(other.predict(x), expected):
                errors.append("prediction changed")

    thread = threading.Thread(target=predict_loop)
    thread.start()
    trainee.fit(XOR_X, [0, 1, 1, 0], epochs=300, batch_size=4, optimizer="adam", lr=0.05, rng=0,
                progress=False)
    thread.join()
    assert not errors
    np.testing.assert_array_equal(trainee.classify(XOR_X), [0, 1, 1, 0])


# ---------------------------------------------------------------- the books' runs, shortened

def test_book_chapter5_two_layer_net_learns(backend, mnist_dir):
    """784-50-10 ReLU, SGD lr 0.1, batch 100 (the book runs 10,000 iterations; here 1,200)."""
    (x, t), (xt, tt) = load_mnist(data_home=mnist_dir)
    net = nncore.Network.init([784, 50, 10], activation="relu", output="softmax", weight_init=0.01,
                              dtype=np.float32, rng=0)
    history = net.fit(x, t, epochs=2, batch_size=100, optimizer="sgd", lr=0.1, rng=0, progress=False)
    assert history.loss[1] < history.loss[0]
    assert net.accuracy(xt, tt) > 0.9


def test_make_your_own_network_learns(backend, mnist_dir):
    """784-200-10 sigmoid, squared error, inputs 0.01..1, targets 0.01/0.99, one sample at a time."""
    (x, t), (xt, tt) = load_mnist(data_home=mnist_dir, input_range=(0.01, 1.0))
    targets = np.full((len(t), 10), 0.01, np.float32)
    targets[np.arange(len(t)), t] = 0.99
    net = nncore.Network.init([784, 200, 10], activation="sigmoid", output="sigmoid",
                              weight_init="xavier", dtype=np.float32, rng=0)
    n = 6000  # the book trains 5 epochs on all 60,000; a tenth of one epoch here
    net.fit(x[:n], targets[:n], epochs=1, batch_size=1, optimizer="sgd", lr=0.1, loss="mse", rng=0,
            progress=False)
    assert net.accuracy(xt, tt) > 0.85


def test_fit_progress_with_tqdm_into_a_file_is_one_line_per_epoch(tmp_path):
    """tqdm installed, stderr a log file: no carriage-return bar, every epoch's line kept."""
    pytest.importorskip("tqdm")
    code = ("import numpy as np, nncore\n"
            "net = nncore.Network.init([2, 3, 2], rng=0)\n"
            "net.fit(np.eye(2).repeat(50, axis=0), [0, 1] * 50, epochs=3, batch_size=2, rng=0)\n")
    log = tmp_path / "log.txt"
    with open(log, "w") as err:
        res = subprocess.run([sys.executable, "-c", code], stderr=err, cwd=str(tmp_path))
    assert res.returncode == 0
    text = log.read_text()
    assert "\r" not in text
    lines = text.splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert all("accuracy" in line for line in lines)


def test_fit_progress_on_a_terminal_keeps_the_epoch_lines(monkeypatch, capsys):
    """With a bar (tqdm, a terminal) the per-epoch summary lines are still printed."""
    pytest.importorskip("tqdm")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    net = nncore.Network.init([2, 3, 2], rng=0)
    net.fit(XOR_X, [0, 1, 1, 0], epochs=2, batch_size=2, progress=True)
    err = capsys.readouterr().err
    assert "batch" in err  # the bar's unit: the bar was drawn
    assert "epoch 1/2: loss" in err and "epoch 2/2: loss" in err
