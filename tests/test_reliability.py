"""Threads and the GIL, memory growth, pickling, and fuzzing of the file readers."""
import gzip
import io
import os
import pickle
import struct
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nncore
from nncore.datasets import _idx

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


# ---------------------------------------------------------------- fuzzing the readers

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _labels_file(n=5):
    return struct.pack(">II", 2049, n) + bytes(range(n))


def _images_file(n=2, rows=3, cols=3):
    return struct.pack(">IIII", 2051, n, rows, cols) + bytes(n * rows * cols)


@FUZZ
@given(data=st.binary(max_size=64) | st.builds(
    lambda base, pos, byte: base[:pos] + bytes([byte]) + base[pos + 1:],
    st.sampled_from([_labels_file(), _images_file()]), st.integers(0, 40), st.integers(0, 255)))
def test_fuzz_idx_reader(data):
    for blob in (data, gzip.compress(data), data[:-1]):
        try:
            out = _idx.parse(_idx_bytes(blob))
        except ValueError:
            continue
        assert out.dtype == np.uint8 and out.ndim in (1, 3)


def _idx_bytes(blob):
    """Decompress like the reader does, so both layers are fuzzed."""
    if blob[:2] == b"\x1f\x8b":
        import tempfile
        with tempfile.NamedTemporaryFile(suffix=".gz", delete=False) as f:
            f.write(blob)
        try:
            return _idx.read_bytes(f.name)
        finally:
            os.unlink(f.name)
    return blob


def _good_npz():
    buf = io.BytesIO()
    net = nncore.Network.init([3, 2], rng=0)
    arrays = dict(net.params)
    import json
    arrays["meta"] = np.array(json.dumps({"format": "nncore-network", "format_version": 1,
                                          "sizes": [3, 2], "activations": ["identity"],
                                          "output": "softmax", "dtype": "float64"}))
    np.savez(buf, **arrays)
    return buf.getvalue()


GOOD_NPZ = _good_npz()


def _damaged(factory, good, name, pos, byte, cut):
    """A file holding ``good`` cut at ``pos`` or with the byte there replaced."""
    blob = good[:pos] if cut else good[:pos] + bytes([byte]) + good[pos + 1:]
    path = factory.mktemp("fuzz") / name
    path.write_bytes(blob)
    return path


@FUZZ
@given(pos=st.integers(0, len(GOOD_NPZ) - 1), byte=st.integers(0, 255), cut=st.booleans())
def test_fuzz_npz_loader(tmp_path_factory, pos, byte, cut):
    path = _damaged(tmp_path_factory, GOOD_NPZ, "f.npz", pos, byte, cut)
    try:
        net = nncore.load(path)
    except ValueError:
        return
    assert net.sizes == [3, 2]


GOOD_PICKLE = pickle.dumps({"W1": np.ones((2, 3), np.float32), "b1": np.zeros(3)}, protocol=2)


@FUZZ
@given(pos=st.integers(0, len(GOOD_PICKLE) - 1), byte=st.integers(0, 255), cut=st.booleans())
def test_fuzz_legacy_pickle_loader(tmp_path_factory, pos, byte, cut):
    path = _damaged(tmp_path_factory, GOOD_PICKLE, "f.pkl", pos, byte, cut)
    try:
        params = nncore.load_legacy_pickle(path)
    except (pickle.UnpicklingError, ValueError):
        return
    assert all(isinstance(v, np.ndarray) and v.dtype.kind in "biuf" for v in params.values())


def test_failed_train_output_keeps_the_previous_model(tmp_path, mnist_dir, monkeypatch, capsys):
    from nncore import cli

    out = tmp_path / "model.npz"
    nncore.Network.init([784, 10], rng=0).save(out)
    before = out.read_bytes()

    def disk_full(file, **arrays):
        file.write(b"PK\x03\x04 partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    code = cli.main(["train", "--hidden", "8", "--epochs", "1", "--quiet", "--out", str(out),
                     "--data-home", mnist_dir])
    assert code == 1
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]


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
            np.testing.assert_array_equal(net.predict(x[:300]), one[:300])
    finally:
        nncore.set_num_threads(1)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        nncore.set_num_threads(0)


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
