"""Make Your Own Neural Network's per-record training: nncore.book.neuralNetwork.train
next to the notebook's train() as the book prints it (784-200-10, lr 0.1, float64), on
the same records in one process, both backends of nncore, 1 thread.  Both end on the
same weights bit for bit (checked here); the time per train call is the best of
several rounds of --records calls each.

Usage: python benchmarks/myonn_train.py [--records 2000] [--rounds 5]
"""
import argparse
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from nncore import _kernels, _kernels_py, book  # noqa: E402


def notebook_train(n, inputs_list, targets_list):
    """neuralNetwork.train of the book's notebooks, on n's weights."""
    inputs = np.array(inputs_list, ndmin=2).T
    targets = np.array(targets_list, ndmin=2).T
    hidden_outputs = n.activation_function(np.dot(n.wih, inputs))
    final_outputs = n.activation_function(np.dot(n.who, hidden_outputs))
    output_errors = targets - final_outputs
    hidden_errors = np.dot(n.who.T, output_errors)
    n.who += n.lr * np.dot((output_errors * final_outputs * (1.0 - final_outputs)),
                           np.transpose(hidden_outputs))
    n.wih += n.lr * np.dot((hidden_errors * hidden_outputs * (1.0 - hidden_outputs)),
                           np.transpose(inputs))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    records = rng.random((args.records, 784)) * 0.99 + 0.01   # scaled like the book's
    targets = np.full((args.records, 10), 0.01)
    targets[np.arange(args.records), rng.integers(0, 10, args.records)] = 0.99

    def with_kernels(module, fn):
        def run(n):
            saved, _kernels.impl = _kernels.impl, module
            try:
                fn(n)
            finally:
                _kernels.impl = saved
        return run

    def nncore_train(n):
        for x, t in zip(records, targets):
            n.train(x, t)

    def notebook(n):
        for x, t in zip(records, targets):
            notebook_train(n, x, t)

    # (the notebook's sigmoid is n.activation_function, nncore's: the notebook runs
    # on the backend nncore chose, and is checked against nncore on each backend)
    modules = {"python": _kernels_py}
    if _kernels.impl is not _kernels_py:
        modules[f"cython, {_kernels.impl.simd_level()}"] = _kernels.impl
    runs = {"notebook's train (NumPy)": with_kernels(_kernels.impl, notebook)}
    runs.update({f"nncore ({name})": with_kernels(m, nncore_train) for name, m in modules.items()})
    best, weights = {}, {}
    for _ in range(args.rounds):
        for name, run in runs.items():
            n = book.neuralNetwork(784, 200, 10, 0.1, rng=np.random.RandomState(0))
            start = time.perf_counter()
            run(n)
            best[name] = min(best.get(name, np.inf), (time.perf_counter() - start) / args.records)
            weights[name] = (n.wih, n.who)
    for name, m in modules.items():
        n = book.neuralNetwork(784, 200, 10, 0.1, rng=np.random.RandomState(0))
        with_kernels(m, notebook)(n)
        if not (np.array_equal(weights[f"nncore ({name})"][0], n.wih)
                and np.array_equal(weights[f"nncore ({name})"][1], n.who)):
            print(f"nncore ({name}): weights differ from the notebook's", file=sys.stderr)
            return 1
    base = best["notebook's train (NumPy)"]
    print("| implementation | per train call | vs the notebook |\n|---|---|---|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds * 1e6:.0f} µs | {base / seconds:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
