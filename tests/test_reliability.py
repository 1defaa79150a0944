"""Threads and the GIL, memory growth, pickling and processes: the whole package under load."""
import os
import pickle
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import nncore
from nncore import _kernels

from .conftest import KERNEL_MODULES


# ---------------------------------------------------------------- threads

def test_eight_threads_give_serial_results(backend, dtype):
    net = nncore.Network.init([784, 50, 100, 10], dtype=dtype, weight_init=0.1, rng=0)
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal((50 + 13 * i, 784)).astype(dtype) for i in range(8)]
    calls = [lambda a: net.predict(a), nncore.sigmoid, nncore.relu, nncore.tanh,
             lambda a: nncore.softmax(a, axis=1), nncore.step_function,
             lambda a: net.classify(a), lambda a: nncore.affine(a, net.params["W1"], net.params["b1"])]
    serial = [fn(x) for fn, x in zip(calls, inputs)]
    results = [[] for _ in range(8)]
    barrier = threading.Barrier(8)

    def work(i):
        barrier.wait()
        for _ in range(20):
            results[i].append(calls[i](inputs[i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(8):
        for got in results[i]:
            np.testing.assert_array_equal(got, serial[i])


def test_threads_agree_with_serial(backend, dtype):
    net = nncore.Network.init([784, 50, 100, 10], dtype=dtype, weight_init=0.1, rng=7)
    xs = [np.random.default_rng(i).random((37 * (i + 1), 784)).astype(dtype) for i in range(8)]
    serial = [net.predict(x) for x in xs]
    results = [None] * 8

    def work(i):
        for _ in range(5):
            results[i] = net.predict(xs[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, serial):
        np.testing.assert_array_equal(got, want)


@pytest.mark.skipif("cython" not in KERNEL_MODULES, reason="compiled extension not built")
def test_compiled_predict_releases_the_gil(monkeypatch):
    from nncore import _kernels

    monkeypatch.setattr(_kernels, "impl", KERNEL_MODULES["cython"])
    net = nncore.Network.init([784, 512, 512, 10], rng=0)
    x = np.random.default_rng(0).random((6000, 784))
    start = time.perf_counter()
    net.predict(x[:500])
    per_row = (time.perf_counter() - start) / 500
    rows = int(min(len(x), max(500, 0.4 / per_row)))  # a call of about 0.4 s
    ticks = []
    done = threading.Event()

    def counter():
        while not done.is_set():
            ticks.append(time.perf_counter())

    thread = threading.Thread(target=counter)
    thread.start()
    time.sleep(0.05)
    begin = time.perf_counter()
    net.predict(x[:rows])
    end = time.perf_counter()
    done.set()
    thread.join()
    during = [t for t in ticks if begin < t < end]
    # with the GIL held the counter could not run at all during the call
    assert len(during) > 1000, f"{len(during)} ticks during a {end - begin:.2f} s predict"


# ---------------------------------------------------------------- leaks

def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc (Linux)")
def test_repeated_calls_do_not_grow_memory(backend):
    net = nncore.Network.init([20, 16, 4], rng=0)
    x = np.random.default_rng(0).random((8, 20))
    t = np.arange(8) % 4

    def cycle():
        net.predict(x)
        net.predict(x[0])
        net.gradient(x, t)
        nncore.softmax(x)
        nncore.affine(x, net.params["W1"], net.params["b1"])

    def fit_once():
        net.fit(x, t, epochs=1, batch_size=4, progress=False)

    for _ in range(500):  # warm up allocator pools and caches
        cycle()
        fit_once()
    before = _rss()
    for _ in range(10_000):
        cycle()
    for _ in range(1_000):
        fit_once()
    grown = _rss() - before
    assert grown < 1 << 20, f"resident memory grew by {grown} bytes"


# ---------------------------------------------------------------- pickling

def test_pickle_roundtrip(backend, dtype):
    net = nncore.Network.init([5, 4, 3], activation="tanh", output="softmax", dtype=dtype, rng=5)
    x = np.random.default_rng(6).standard_normal((9, 5)).astype(dtype)
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        clone = pickle.loads(pickle.dumps(net, protocol=protocol))
        assert clone.activations == net.activations and clone.output == net.output
        np.testing.assert_array_equal(clone.predict(x), net.predict(x))


def test_pickle_everything(tmp_path, backend):
    net = nncore.Network.init([5, 4, 3], activation="tanh", rng=0)
    x = np.random.default_rng(0).random((6, 5))
    opt = nncore.Adam(lr=0.01)
    history = net.fit(x, [0, 1, 2, 0, 1, 2], epochs=2, batch_size=3, optimizer=opt,
                      progress=False)
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        for obj in (net, opt, history):
            clone = pickle.loads(pickle.dumps(obj, protocol=protocol))
            assert type(clone) is type(obj)
        np.testing.assert_array_equal(pickle.loads(pickle.dumps(net, protocol)).predict(x),
                                      net.predict(x))
        assert pickle.loads(pickle.dumps(history, protocol)).loss == history.loss
        restored = pickle.loads(pickle.dumps(opt, protocol))
        assert restored.iter == opt.iter
        np.testing.assert_array_equal(restored.m["W1"], opt.m["W1"])
    cloudpickle = pytest.importorskip("cloudpickle")
    np.testing.assert_array_equal(cloudpickle.loads(cloudpickle.dumps(net)).predict(x),
                                  net.predict(x))


def test_unpickled_in_a_fresh_process_predicts_identically(tmp_path):
    net = nncore.Network.init([6, 5, 3], activation="relu", rng=3)
    x = np.random.default_rng(4).random((7, 6))
    (tmp_path / "net.pkl").write_bytes(pickle.dumps(net, protocol=5))
    np.save(tmp_path / "x.npy", x)
    code = ("import pickle, numpy as np; net = pickle.load(open('net.pkl', 'rb')); "
            "np.save('y.npy', net.predict(np.load('x.npy')))")
    res = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), net.predict(x))


# ---------------------------------------------------------------- memory use of predict

@pytest.mark.skipif("cython" not in KERNEL_MODULES, reason="compiled extension not built")
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_predict_allocates_only_output_workspaces_and_packed_weights(monkeypatch, dtype):
    """predict(batch) allocates the output, two chunk-sized hidden workspaces and one packed
    copy of the weights; nothing that grows with the batch except the output."""
    import tracemalloc

    from nncore import _kernels

    monkeypatch.setattr(_kernels, "impl", KERNEL_MODULES["cython"])
    sizes = [784, 50, 100, 10]
    net = nncore.Network.init(sizes, dtype=dtype, rng=0)
    itemsize = np.dtype(dtype).itemsize
    weights = sum(layer.W.nbytes for layer in net.layers)
    for n in (10_000, 40_000):
        x = np.random.default_rng(0).random((n, 784)).astype(dtype)
        net.predict(x[:100])  # plans built
        tracemalloc.start()
        try:
            y = net.predict(x)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        workspaces = 2 * 64 * max(sizes[1:-1]) * itemsize
        # the packed copy pads only each narrow column's k to whole vectors (< 1 KB here)
        allowed = y.nbytes + workspaces + weights + 64 * 1024
        assert peak <= allowed, f"batch {n}: peak {peak} > {allowed} bytes"
        assert peak >= y.nbytes


@pytest.mark.parametrize("net_dtype,x_dtype", [(np.float64, np.float32), (np.float32, np.float64)])
def test_accuracy_converts_batch_by_batch_not_the_whole_input(backend, net_dtype, x_dtype):
    """accuracy on inputs of the other float dtype (the book scores float32 images with
    a float64 network) converts one batch at a time: no copy of the whole input."""
    import tracemalloc

    net = nncore.Network.init([784, 20, 10], dtype=net_dtype, rng=0)
    rng = np.random.default_rng(1)
    x = rng.random((20_000, 784)).astype(x_dtype)
    t = rng.integers(0, 10, 20_000)
    expected = float(np.mean(net.classify(x.astype(net_dtype)) == t))
    tracemalloc.start()
    try:
        score = net.accuracy(x, t, batch_size=100)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert score == expected
    whole = x.shape[0] * x.shape[1] * np.dtype(net_dtype).itemsize
    assert peak < whole / 20, f"peak {peak} bytes: a copy of the input is {whole}"


# ---------------------------------------------------------------- threads inside predict

def test_threaded_predict_is_identical_to_one_thread(backend, dtype):
    net = nncore.Network.init([784, 50, 100, 10], dtype=dtype, weight_init=0.1, rng=0)
    x = np.random.default_rng(0).random((1000, 784)).astype(dtype)
    try:
        nncore.set_num_threads(1)
        one = net.predict(x)
        nncore.set_num_threads(2)
        assert nncore.get_num_threads() in (1, 2)
        np.testing.assert_array_equal(net.predict(x), one)
        if backend != "python":  # NumPy's BLAS may round differently by batch size
            # batches split in equal shares of whole tiles (from 32 rows) and in
            # chunks of 64 rows
            for n in (31, 32, 33, 100, 131, 255, 300):
                np.testing.assert_array_equal(net.predict(x[:n]), one[:n])
            # more threads than some batches have chunks for (set on the kernels
            # directly: set_num_threads caps at this machine's CPUs)
            for threads in (3, 4):
                _kernels.impl.set_num_threads(threads)
                for n in (33, 36, 130, 200):
                    np.testing.assert_array_equal(net.predict(x[:n]), one[:n])
    finally:
        nncore.set_num_threads(1)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        nncore.set_num_threads(0)


@pytest.mark.parametrize("n", [1, 33, 63, 64, 65, 100, 200, 257])
@pytest.mark.parametrize("output, loss", [("softmax", "cross_entropy"), ("sigmoid", "mse")])
def test_threaded_training_step_is_identical_to_one_thread(backend, dtype, n, output, loss):
    # every product of the training step is shared among threads by rows: the
    # gradient, the loss and a fit must not depend on the number of threads
    net = nncore.Network.init([37, 70, 9], activation="tanh", output=output, dtype=dtype,
                              weight_init=0.3, rng=2)
    rng = np.random.default_rng(n)
    x = rng.standard_normal((n, 37)).astype(dtype)
    t = rng.integers(0, 9, n)
    if loss == "mse":
        t = np.eye(9, dtype=dtype)[t]
    results = {}
    try:
        for threads in (1, 2, 3):
            # on the kernels directly: set_num_threads caps at this machine's CPUs
            _kernels.impl.set_num_threads(threads)
            fitted = nncore.Network.from_params(net.params, activation="tanh", output=output,
                                                dtype=dtype)
            fitted.fit(x, t, epochs=2, batch_size=max(1, n // 2), loss=loss, rng=0)
            results[threads] = (net.loss(x, t, loss=loss), net.gradient(x, t, loss=loss),
                                fitted.params)
    finally:
        nncore.set_num_threads(1)
    loss1, grads1, params1 = results[1]
    for threads in (2, 3):
        loss_t, grads_t, params_t = results[threads]
        assert loss_t == loss1
        for key in grads1:
            np.testing.assert_array_equal(grads_t[key], grads1[key], err_msg=key)
            np.testing.assert_array_equal(params_t[key], params1[key], err_msg=key)


@pytest.mark.parametrize("make_optimizer", [
    lambda: nncore.SGD(lr=0.05, weight_decay=1e-3),
    lambda: nncore.Momentum(lr=0.02, nesterov=True),
    lambda: nncore.AdaGrad(lr=0.05),
    lambda: nncore.RMSprop(lr=0.01, weight_decay=1e-3),
    lambda: nncore.Adam(lr=0.01)], ids=["sgd", "nesterov", "adagrad", "rmsprop", "adam"])
def test_threaded_optimizer_step_is_identical_to_one_thread(backend, dtype, make_optimizer):
    # W1 holds 18,090 values: enough for its update to be shared among the threads,
    # in shares of whole 64-byte lines and a shorter last one
    net = nncore.Network.init([201, 90, 3], activation="relu", dtype=dtype, weight_init="he",
                              rng=3)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 201)).astype(dtype)
    t = rng.integers(0, 3, 64)
    params = {}
    try:
        for threads in (1, 2, 3):
            # on the kernels directly: set_num_threads caps at this machine's CPUs
            _kernels.impl.set_num_threads(threads)
            fitted = nncore.Network.from_params(net.params, activation="relu", dtype=dtype)
            fitted.fit(x, t, epochs=3, batch_size=32, optimizer=make_optimizer(), rng=0)
            params[threads] = fitted.params
    finally:
        nncore.set_num_threads(1)
    assert not np.array_equal(params[1]["W1"], net.params["W1"])  # it did train
    for threads in (2, 3):
        for key in params[1]:
            np.testing.assert_array_equal(params[threads][key], params[1][key], err_msg=key)


def test_num_threads_from_the_environment(tmp_path):
    code = "import nncore; print(nncore.get_num_threads())"
    for value, expected in (("2", {"1", "2"}), ("", {"1"})):
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             cwd=str(tmp_path), env={**os.environ, "NNCORE_NUM_THREADS": value})
        assert res.returncode == 0, res.stderr
        assert res.stdout.strip() in expected
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(tmp_path), env={**os.environ, "NNCORE_NUM_THREADS": "many"})
    assert res.returncode == 1 and "NNCORE_NUM_THREADS must be a positive integer" in res.stderr
    assert "EnvironmentVariableError" in res.stderr  # an ImportError naming the variable


@pytest.mark.parametrize("sizes", [[37, 23, 9, 3], [5, 130, 1], [100, 17, 40], [16, 8, 64, 33]])
def test_a_rows_result_does_not_depend_on_its_batch_for_any_widths(backend, dtype, sizes):
    """The one-row kernel and the packed blocks split columns alike (whole vectors, then
    narrow columns as dot products) and sum in the same order, for every width."""
    if backend == "python":
        pytest.skip("NumPy's BLAS may round differently for different batch sizes")
    net = nncore.Network.init(sizes, activation="tanh", dtype=dtype, weight_init=0.5, rng=1)
    x = np.random.default_rng(1).standard_normal((77, sizes[0])).astype(dtype)
    whole = net.predict(x)
    for i in (0, 8, 76):
        np.testing.assert_array_equal(net.predict(x[i]), whole[i])
    np.testing.assert_array_equal(net.predict(x[3:12]), whole[3:12])


def test_a_rows_result_does_not_depend_on_its_batch(backend, dtype):
    """predict(x[s:e]) equals predict(x)[s:e] bit for bit, for any slice (so results do not
    depend on batch size, chunking or thread count)."""
    if backend == "python":
        pytest.skip("NumPy's BLAS may round differently for different batch sizes")
    net = nncore.Network.init([784, 50, 100, 10], dtype=dtype, weight_init=0.1, rng=0)
    x = np.random.default_rng(0).random((700, 784)).astype(dtype)
    whole = net.predict(x)
    for start, stop in [(0, 1), (3, 4), (296, 300), (296, 304), (0, 300), (123, 657), (699, 700)]:
        np.testing.assert_array_equal(net.predict(x[start:stop]), whole[start:stop])
    np.testing.assert_array_equal(net.predict(x[5]), whole[5])
