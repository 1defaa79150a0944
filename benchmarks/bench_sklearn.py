"""nncore.sklearn.MLPClassifier next to scikit-learn's MLPClassifier on MNIST.

Both with scikit-learn's defaults for a 784-100-10 ReLU network (Adam, lr 0.001,
batch 200, alpha 1e-4) for 10 epochs and the same random_state (so the same
initial weights and batches), on the same data: ``fit`` time and test accuracy,
then ``predict_proba`` on a batch of 10,000 (best of 5).

Usage:
    NNCORE_DATA=/path/to/mnist python benchmarks/bench_sklearn.py [--epochs 10]
    python benchmarks/bench_sklearn.py --quick     # smoke test: small, no timing claims
Options --dtype float32|float64 (default float32, the loader's) and --threads N
(numpy's BLAS through threadpoolctl when installed, and nncore's own threads).
"""
import argparse
import sys
import time
import warnings

import numpy as np

from bench import gemm_peak  # benchmarks/bench.py, beside this script


def _data(quick, dtype):
    from nncore.datasets import load_mnist

    if quick:  # the shipped test split only: no download, no data directory needed
        x, t = load_mnist(split="test")
        return (x[:1000].astype(dtype), t[:1000]), (x[1000:3000].astype(dtype), t[1000:3000])
    (x, t), (xt, tt) = load_mnist(download=False)
    return (x.astype(dtype), t), (xt.astype(dtype), tt)


def _limit_threads(n):
    """A context that runs BLAS and nncore with n threads (or changes nothing)."""
    import contextlib

    import nncore

    if n is None:
        return contextlib.nullcontext()
    nncore.set_num_threads(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("threadpoolctl is not installed: numpy's BLAS keeps its own thread count",
              file=sys.stderr)
        return contextlib.nullcontext()
    return threadpool_limits(n)


def _fit_flops(sizes, n_samples, epochs):
    """Floating-point work of `epochs` epochs of minibatch training on dense layers:
    the forward product, the weight gradient and (but for the first layer) the
    gradient sent back, 2 * n_in * n_out each per sample."""
    products = [2 * a * b for a, b in zip(sizes[:-1], sizes[1:])]
    per_sample = 2 * sum(products) + sum(products[1:])
    return per_sample * n_samples * epochs


def _best(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke test: small and fast")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    from sklearn import neural_network

    import nncore
    from nncore.sklearn import MLPClassifier

    epochs = 2 if args.quick else args.epochs
    (x, t), (xt, tt) = _data(args.quick, np.dtype(args.dtype))
    params = dict(hidden_layer_sizes=(100,), activation="relu", solver="adam", batch_size=200,
                  max_iter=epochs, random_state=0)
    rows = []
    with _limit_threads(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter epochs end before convergence, by design
        for name, cls in (("nncore.sklearn", MLPClassifier),
                          ("sklearn.neural_network", neural_network.MLPClassifier)):
            est = cls(**params)
            start = time.perf_counter()
            est.fit(x, t)
            fit_s = time.perf_counter() - start
            accuracy = est.score(xt, tt)
            batch = np.ascontiguousarray(np.resize(xt, (10_000, xt.shape[1])))
            proba_s = _best(lambda: est.predict_proba(batch), 1 if args.quick else 5)
            rows.append((name, fit_s, accuracy, proba_s, est.n_iter_))
    ours, theirs = rows
    print(f"MNIST {x.shape[0]} training / {xt.shape[0]} test samples, {args.dtype}, "
          f"nncore {nncore.__version__} ({nncore.BACKEND}), threads: "
          f"{args.threads if args.threads else 'default'}")
    print(f"| estimator | fit ({epochs} epochs) | test accuracy | predict_proba (10,000) |")
    print("|---|---|---|---|")
    for name, fit_s, accuracy, proba_s, _ in rows:
        print(f"| {name} | {fit_s:.2f} s | {accuracy:.4f} | {proba_s * 1e3:.1f} ms |")
    print(f"| ratio (scikit-learn / nncore) | {theirs[1] / ours[1]:.1f}x | "
          f"{(ours[2] - theirs[2]) * 100:+.2f} points | {theirs[3] / ours[3]:.1f}x |")
    with _limit_threads(args.threads):
        peak = gemm_peak(np.dtype(args.dtype), args.threads, 0.002 if args.quick else 0.05)
    sizes = (x.shape[1], 100, 10)
    fit_limit = _fit_flops(sizes, x.shape[0], epochs) / peak
    proba_limit = 2 * sum(a * b for a, b in zip(sizes[:-1], sizes[1:])) * 10_000 / peak
    print(f"| limit (the products' FLOPs at numpy's measured matmul peak, "
          f"{peak / 1e9:.0f} GFLOP/s) | {fit_limit:.2f} s | | {proba_limit * 1e3:.1f} ms |")
    print(f"| a 3x lead needs (scikit-learn / 3) | {theirs[1] / 3:.2f} s = "
          f"{fit_limit / (theirs[1] / 3):.0%} of the peak speed | | {theirs[3] / 3 * 1e3:.1f} ms = "
          f"{proba_limit / (theirs[3] / 3):.0%} of the peak speed |")
    if ours[4] != theirs[4]:
        print(f"(epochs run differ: {ours[4]} and {theirs[4]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
