"""Five epochs of 784-100-10 ReLU on the full MNIST training set: nncore's fit next to
a plain NumPy implementation of the same loop (softmax cross-entropy, SGD with
momentum 0.9, lr 0.1, batches of 100, the same shuffling), 1 thread.

Usage: NNCORE_DATA=/path/to/mnist python benchmarks/train_epochs.py [--epochs 5]
"""
import argparse
import sys
import time

import numpy as np

import numpy_mlp  # benchmarks/numpy_mlp.py, beside this script

import nncore
from nncore.datasets import load_mnist


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args(argv)
    (x, t), (xt, tt) = load_mnist()
    start = time.perf_counter()
    net = nncore.Network.init([784, 100, 10], activation="relu", weight_init="he", rng=0)
    net.fit(x, t, epochs=args.epochs, batch_size=100, optimizer=nncore.Momentum(lr=0.1), rng=0,
            progress=False)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    params = numpy_mlp.fit(x, t, epochs=args.epochs, dtype=np.float64, seed=0)
    theirs = time.perf_counter() - start
    acc = numpy_mlp.accuracy(params, xt, tt)
    print(f"| implementation | {args.epochs} epochs | test accuracy |\n|---|---|---|")
    print(f"| nncore ({nncore.BACKEND}, float64) | {ours:.2f} s | {net.accuracy(xt, tt):.4f} |")
    print(f"| plain NumPy (float64) | {theirs:.2f} s | {acc:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
