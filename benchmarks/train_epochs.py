"""Five epochs of 784-100-10 ReLU on the full MNIST training set: nncore's fit next to
a plain NumPy implementation of the same loop (softmax cross-entropy, SGD with
momentum 0.9, lr 0.1, batches of 100, the same shuffling), 1 thread.

Usage: NNCORE_DATA=/path/to/mnist python benchmarks/train_epochs.py [--epochs 5]
"""
import argparse
import sys
import time

import numpy as np

import nncore
from nncore.datasets import load_mnist


def numpy_fit(x, t, epochs, seed):
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((784, 100)) * np.sqrt(2 / 784)
    W2 = rng.standard_normal((100, 10)) * np.sqrt(2 / 100)
    params = [W1, np.zeros(100), W2, np.zeros(10)]
    vel = [np.zeros_like(p) for p in params]
    order_rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = order_rng.permutation(len(x))
        for i in range(0, len(x), 100):
            idx = order[i:i + 100]
            xb, tb = x[idx].astype(np.float64), t[idx]
            W1, b1, W2, b2 = params
            h = np.maximum(xb @ W1 + b1, 0)
            a = h @ W2 + b2
            e = np.exp(a - a.max(axis=1, keepdims=True))
            y = e / e.sum(axis=1, keepdims=True)
            y[np.arange(len(idx)), tb] -= 1
            d2 = y / len(idx)
            d1 = (d2 @ W2.T) * (h > 0)
            for p, v, g in zip(params, vel, (xb.T @ d1, d1.sum(0), h.T @ d2, d2.sum(0))):
                v *= 0.9
                v -= 0.1 * g
                p += v
    return params


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
    W1, b1, W2, b2 = numpy_fit(x, t, args.epochs, 0)
    theirs = time.perf_counter() - start
    acc = np.mean(np.argmax(np.maximum(xt @ W1 + b1, 0) @ W2 + b2, axis=1) == tt)
    print(f"| implementation | {args.epochs} epochs | test accuracy |\n|---|---|---|")
    print(f"| nncore ({nncore.BACKEND}, float64) | {ours:.2f} s | {net.accuracy(xt, tt):.4f} |")
    print(f"| plain NumPy (float64) | {theirs:.2f} s | {acc:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
