"""Single-sample and small-batch predict of the book's 784-50-100-10 network.

Times nncore (both backends) against the book-style NumPy forward pass in one
process and prints medians and ratios.  Usage: python benchmarks/predict_single.py
"""
import argparse
import os
import sys
import timeit

import numpy as np

import nncore
from nncore import _kernels, _kernels_py


def book_predict(params, x):
    """The book's predict() (ch. 3), with its sigmoid and overflow-safe softmax."""
    W1, W2, W3 = params["W1"], params["W2"], params["W3"]
    b1, b2, b3 = params["b1"], params["b2"], params["b3"]
    a1 = np.dot(x, W1) + b1
    z1 = 1 / (1 + np.exp(-a1))
    a2 = np.dot(z1, W2) + b2
    z2 = 1 / (1 + np.exp(-a2))
    a3 = np.dot(z2, W3) + b3
    c = np.max(a3, axis=-1, keepdims=True)
    e = np.exp(a3 - c)
    return e / np.sum(e, axis=-1, keepdims=True)


def median_time(fn, repeat=15, number=None):
    timer = timeit.Timer(fn)
    if number is None:
        number, _ = timer.autorange()
    return float(np.median(timer.repeat(repeat=repeat, number=number))) / number


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    sizes = [784, 50, 100, 10]
    print(f"nncore {nncore.__version__}, backend available: {nncore.BACKEND}, "
          f"threads: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print("| batch | dtype | book NumPy | nncore python | nncore cython | cython vs book |")
    print("|---|---|---|---|---|---|")
    for dtype in (np.float64, np.float32):
        net = nncore.Network.init(sizes, activation="sigmoid", output="softmax", dtype=dtype,
                                  weight_init=0.1, rng=rng)
        params = {k: v.copy() for k, v in net.params.items()}
        for batch in args.batch:
            x = rng.random((batch, 784)).astype(dtype)
            if batch == 1:
                x = x[0]
            times = {"book": median_time(lambda: book_predict(params, x), args.repeat)}
            ref = book_predict(params, x)
            for name, module in (("python", _kernels_py), ("cython", _kernels.impl)):
                if name == "cython" and module is _kernels_py:
                    times[name] = float("nan")
                    continue
                _kernels.impl, saved = module, _kernels.impl
                try:
                    np.testing.assert_allclose(net.predict(x), ref, rtol=1e-4, atol=1e-6)
                    times[name] = median_time(lambda: net.predict(x), args.repeat)
                finally:
                    _kernels.impl = saved
            us = {k: v * 1e6 for k, v in times.items()}
            print(f"| {batch} | {np.dtype(dtype).name} | {us['book']:.1f} µs | {us['python']:.1f} µs "
                  f"| {us['cython']:.1f} µs | {times['book'] / times['cython']:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
