"""nncore against its peers on the book's 784-50-100-10 network, in one process.

Inference: sigmoid hidden layers and a softmax output, predicting probabilities
for batches of 1 .. 10,000 in float64 and float32, with 1 and 2 threads.  Peers
(each optional but the book's NumPy code): nncore's compiled and NumPy backends,
PyTorch, onnxruntime and scikit-learn.  Every output is checked against the
book-style NumPy result.  Each case is reported as a median time, as a ratio to
the fastest peer (> 1: nncore is faster) and as a fraction of the machine's
limit (the network's FLOPs at the measured GEMM peak).

Training: one epoch of MNIST's training split (when NNCORE_DATA holds it) on
784-100-10 ReLU, batch 100, Adam, nncore against PyTorch, scikit-learn's
MLPClassifier and a plain NumPy loop, with the test accuracy reached.

Usage:
    python benchmarks/bench.py                 # full run, prints markdown
    python benchmarks/bench.py --quick         # smoke test (CI): small, no targets
    python benchmarks/bench.py --json out.json
"""
import argparse
import json
import os
import platform
import sys
import time
import timeit

import numpy as np

import nncore
from nncore import _kernels, _kernels_py

SIZES = [784, 50, 100, 10]


# ---------------------------------------------------------------- peers

def book_predict(p, x):
    """The book's forward pass (ch. 3), with the overflow-safe softmax."""
    a1 = np.dot(x, p["W1"]) + p["b1"]
    z1 = 1 / (1 + np.exp(-a1))
    a2 = np.dot(z1, p["W2"]) + p["b2"]
    z2 = 1 / (1 + np.exp(-a2))
    a3 = np.dot(z2, p["W3"]) + p["b3"]
    e = np.exp(a3 - a3.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def nncore_peer(params, dtype, module):
    net = nncore.Network.from_params(params, activation="sigmoid", output="softmax", dtype=dtype)

    def run(x):
        saved, _kernels.impl = _kernels.impl, module
        try:
            return net.predict(x)
        finally:
            _kernels.impl = saved
    return run


def torch_peer(params, dtype):
    import torch

    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    layers = []
    for i in (1, 2, 3):
        W = params[f"W{i}"]
        lin = torch.nn.Linear(W.shape[0], W.shape[1], dtype=tdtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
            lin.bias.copy_(torch.from_numpy(params[f"b{i}"]))
        layers += [lin, torch.nn.Sigmoid()] if i < 3 else [lin, torch.nn.Softmax(dim=-1)]
    model = torch.nn.Sequential(*layers).eval()

    def run(x):
        with torch.inference_mode():
            return model(torch.from_numpy(x)).numpy()
    return run


def onnx_peer(params, dtype):
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    elem = TensorProto.DOUBLE if dtype == np.float64 else TensorProto.FLOAT
    nodes, inits, prev = [], [], "x"
    for i in (1, 2, 3):
        inits += [numpy_helper.from_array(params[f"W{i}"], f"W{i}"),
                  numpy_helper.from_array(params[f"b{i}"], f"b{i}")]
        nodes += [helper.make_node("MatMul", [prev, f"W{i}"], [f"m{i}"]),
                  helper.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i}"])]
        out = f"z{i}" if i < 3 else "y"
        nodes.append(helper.make_node("Sigmoid" if i < 3 else "Softmax", [f"a{i}"], [out],
                                      **({} if i < 3 else {"axis": -1})))
        prev = out
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", elem, [None, 784])],
                              [helper.make_tensor_value_info("y", elem, [None, 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = min(model.ir_version, 9)
    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS[0]
    options.inter_op_num_threads = 1
    # no busy-waiting threads left spinning after a run: they would steal the cores
    # from whichever peer is timed next in this process
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])

    def run(x):
        return session.run(None, {"x": x if x.ndim == 2 else x[None]})[0].reshape(
            x.shape[:-1] + (10,))
    return run


def sklearn_peer(params, dtype):
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(50, 100), activation="logistic")
    clf.coefs_ = [params[f"W{i}"] for i in (1, 2, 3)]
    clf.intercepts_ = [params[f"b{i}"] for i in (1, 2, 3)]
    clf.n_layers_, clf.n_outputs_, clf.out_activation_ = 4, 10, "softmax"
    clf.n_features_in_ = 784
    clf.classes_ = np.arange(10)
    from sklearn.preprocessing import LabelBinarizer
    clf._label_binarizer = LabelBinarizer().fit(np.arange(10))

    def run(x):
        return clf.predict_proba(x if x.ndim == 2 else x[None]).reshape(x.shape[:-1] + (10,))
    return run


THREADS = [1]


def make_peers(params, dtype):
    peers = {"book NumPy": lambda x: book_predict(params, x)}
    if _kernels.BACKEND == "cython":
        peers["nncore (cython)"] = nncore_peer(params, dtype, _kernels.impl)
    peers["nncore (python)"] = nncore_peer(params, dtype, _kernels_py)
    for name, factory in (("torch", torch_peer), ("onnxruntime", onnx_peer),
                          ("scikit-learn", sklearn_peer)):
        try:
            peers[name] = factory(params, dtype)
        except ImportError:
            continue
    return peers


# ---------------------------------------------------------------- timing

def median_time(fn, min_time, repeat):
    timer = timeit.Timer(fn)
    number = 1
    while timer.timeit(number) < min_time and number < 1 << 20:
        number *= 2
    return float(np.median(timer.repeat(repeat=repeat, number=number))) / number


def gemm_peak(dtype, threads, min_time):
    n = 1024
    a = np.random.default_rng(0).random((n, n)).astype(dtype)
    t = median_time(lambda: a @ a, min_time, 5)
    return 2 * n ** 3 / t


def set_threads(threads):
    THREADS[0] = threads
    os.environ["OMP_NUM_THREADS"] = str(threads)
    try:
        import torch
        torch.set_num_threads(threads)
    except ImportError:
        pass
    try:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(limits=threads)
    except ImportError:
        limiter = None
    # after OpenMP's limit: nncore caps its threads at it
    nncore.set_num_threads(threads)
    return limiter


def bench_inference(batches, dtypes, threads_list, min_time, repeat):
    rng = np.random.default_rng(0)
    results = []
    flops_per_row = 2 * sum(a * b for a, b in zip(SIZES[:-1], SIZES[1:]))
    for threads in threads_list:
        limiter = set_threads(threads)
        for dtype in dtypes:
            params = {}
            for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1):
                params[f"W{i}"] = (rng.standard_normal((a, b)) * 0.1).astype(dtype)
                params[f"b{i}"] = (rng.standard_normal(b) * 0.1).astype(dtype)
            peers = make_peers(params, dtype)
            peak = gemm_peak(dtype, threads, min_time)
            for batch in batches:
                x = rng.random((batch, 784)).astype(dtype)
                if batch == 1:
                    x = x[0]
                ref = book_predict(params, x)
                row = {"threads": threads, "dtype": np.dtype(dtype).name, "batch": batch,
                       "limit_s": flops_per_row * batch / peak, "gemm_peak_gflops": peak / 1e9,
                       "times": {}}
                for name, fn in peers.items():
                    out = fn(x)
                    tol = 1e-4 if dtype == np.float32 else 1e-9
                    np.testing.assert_allclose(out, ref, rtol=tol, atol=tol,
                                               err_msg=f"{name} disagrees with the book's result")
                    row["times"][name] = median_time(lambda: fn(x), min_time, repeat)
                results.append(row)
                print(_inference_line(row), flush=True)
        if limiter is not None:
            limiter.restore_original_limits()
    return results


def _fmt(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def _inference_line(row):
    times = row["times"]
    ours = times.get("nncore (cython)", times["nncore (python)"])
    others = {k: v for k, v in times.items() if not k.startswith("nncore")}
    best = min(others, key=others.get)
    cells = " | ".join(_fmt(times[k]) for k in times)
    return (f"| {row['threads']} | {row['dtype']} | {row['batch']} | {cells} | "
            f"{others[best] / ours:.2f}x vs {best} | {row['limit_s'] / ours:.0%} |")


# ---------------------------------------------------------------- training

def _training_data(quick):
    """(x_train, t_train, x_test, t_test): MNIST's 60,000 training images when they
    are at hand (NNCORE_DATA), else the shipped test split cut in two."""
    from nncore.datasets import load_mnist

    x, t = load_mnist(split="test")  # shipped: no download
    if quick:
        return x[:1000], t[:1000], x[1000:2000], t[1000:2000]
    try:
        (xe, te), _ = load_mnist(download=False)
        return xe, te, x, t
    except Exception as exc:  # no training split here: say so, use what is shipped
        print(f"(training split not available: {exc}; training on 5,000 test images)")
        return x[:5000], t[:5000], x[5000:], t[5000:]


def bench_training(quick):
    """One epoch of 784-100-10 ReLU, batch 100, Adam (lr 0.001), each peer on one
    thread but scikit-learn, which keeps its default BLAS threads (and nncore again
    on 2 threads, its peer there)."""
    import warnings

    xe, te, xv, tv = _training_data(quick)
    out = {}

    def nncore_epoch(dtype, threads=1):
        net = nncore.Network.init([784, 100, 10], activation="relu", weight_init="he",
                                  dtype=dtype, rng=0)
        xs = xe.astype(dtype)
        set_threads(threads)
        assert nncore.get_num_threads() == threads, "nncore could not start its threads"
        start = time.perf_counter()
        net.fit(xs, te, epochs=1, batch_size=100, optimizer=nncore.Adam(lr=0.001), rng=0,
                progress=False)
        seconds = time.perf_counter() - start
        set_threads(1)
        return seconds, net.accuracy(xv, tv)

    def numpy_epoch(dtype):
        import numpy_mlp  # benchmarks/numpy_mlp.py, beside this script

        xs = xe.astype(dtype)
        start = time.perf_counter()
        params = numpy_mlp.fit(xs, te, epochs=1, dtype=dtype, seed=0, optimizer="adam")
        return time.perf_counter() - start, numpy_mlp.accuracy(params, xv, tv)

    def torch_epoch(dtype):
        import torch

        torch.manual_seed(0)
        tdtype = torch.float64 if dtype == np.float64 else torch.float32
        model = torch.nn.Sequential(torch.nn.Linear(784, 100, dtype=tdtype), torch.nn.ReLU(),
                                    torch.nn.Linear(100, 10, dtype=tdtype))
        opt = torch.optim.Adam(model.parameters(), lr=0.001)
        loss_fn = torch.nn.CrossEntropyLoss()
        xs, ts = torch.from_numpy(xe.astype(dtype)), torch.from_numpy(te.astype(np.int64))
        start = time.perf_counter()
        order = torch.from_numpy(np.random.default_rng(0).permutation(len(xs)))
        for i in range(0, len(xs), 100):
            idx = order[i:i + 100]
            opt.zero_grad()
            loss = loss_fn(model(xs[idx]), ts[idx])
            loss.backward()
            opt.step()
        seconds = time.perf_counter() - start
        with torch.inference_mode():
            pred = model(torch.from_numpy(xv.astype(dtype))).argmax(dim=1).numpy()
        return seconds, float(np.mean(pred == tv))

    def sklearn_epoch(dtype):
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(hidden_layer_sizes=(100,), activation="relu", solver="adam",
                            alpha=0.0, batch_size=100, learning_rate_init=0.001, max_iter=1,
                            shuffle=True, random_state=0)
        xs = xe.astype(dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            with set_threads(os.cpu_count() or 1) or _nothing():  # its default BLAS threads
                start = time.perf_counter()
                clf.fit(xs, te)
                seconds = time.perf_counter() - start
        set_threads(1)
        return seconds, float(clf.score(xv.astype(dtype), tv))

    set_threads(1)
    for dtype in (np.float64, np.float32):
        runs = {"nncore": nncore_epoch, "plain NumPy": numpy_epoch}
        if (os.cpu_count() or 1) > 1:  # the peer of scikit-learn on its BLAS threads
            runs["nncore (2 threads)"] = lambda dtype: nncore_epoch(dtype, threads=2)
        for name, module, fn in (("torch", "torch", torch_epoch),
                                 ("scikit-learn (BLAS threads)", "sklearn", sklearn_epoch)):
            try:
                __import__(module)
                runs[name] = fn
            except ImportError:
                pass
        for name, fn in runs.items():
            times, accs = [], []
            for _ in range(1 if quick else 3):
                s, acc = fn(dtype)
                times.append(s)
                accs.append(acc)
            out[f"{name} {np.dtype(dtype).name}"] = {"seconds": float(np.median(times)),
                                                     "accuracy": accs[0], "samples": len(xe)}
            print(f"| {name} | {np.dtype(dtype).name} | {_fmt(float(np.median(times)))} | "
                  f"{accs[0]:.4f} |", flush=True)
    return out


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke test: small and fast")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON")
    parser.add_argument("--no-training", action="store_true")
    parser.add_argument("--no-inference", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        batches, dtypes, threads, min_time, repeat = [1, 100], [np.float32], [1], 0.002, 3
    else:
        batches = [1, 8, 100, 1000, 10000]
        dtypes, threads, min_time, repeat = [np.float64, np.float32], [1, 2], 0.05, 7
    simd = _kernels.impl.simd_describe() if hasattr(_kernels.impl, "simd_describe") else "-"
    print(f"nncore {nncore.__version__} ({_kernels.BACKEND}, simd {simd}), numpy {np.__version__}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs, "
          f"build: {getattr(_kernels.impl, 'BUILD_INFO', {}).get('cflags', '-')}")
    rows = []
    if not args.no_inference:
        print("\nInference, 784-50-100-10 sigmoid/softmax (median per call):\n")
        dummy = {f"{p}{i}": np.zeros((a, b) if p == "W" else b, np.float32)
                 for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1) for p in "Wb"}
        names = list(make_peers(dummy, np.float32))
        print("| threads | dtype | batch | " + " | ".join(names)
              + " | nncore vs fastest peer | of limit |\n|" + "---|" * (len(names) + 5))
        rows = bench_inference(batches, dtypes, threads, min_time, repeat)
    training = {}
    if not args.no_training:
        print("\nTraining, one epoch of 784-100-10 ReLU, batch 100, Adam, 1 thread "
              "(scikit-learn: its default BLAS threads; nncore also on 2):\n")
        print("| implementation | dtype | epoch time | accuracy |\n|---|---|---|---|")
        training = bench_training(args.quick)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"inference": rows, "training": training, "nncore": nncore.__version__,
                       "backend": _kernels.BACKEND, "simd": simd}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
