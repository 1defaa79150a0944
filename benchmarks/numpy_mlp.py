"""The plain NumPy training loop the benchmarks compare nncore's fit with.

784-100-10 ReLU, softmax cross-entropy, batches of 100, He-initialised weights, a
new shuffle every epoch; SGD with momentum 0.9 and learning rate 0.1, or Adam
(learning rate 0.001, betas 0.9 and 0.999, bias-corrected, as nncore.Adam).
"""
import numpy as np


def fit(x, t, epochs=1, dtype=np.float64, seed=0, optimizer="momentum"):
    """Train on ``(x, t)`` and return ``[W1, b1, W2, b2]``."""
    rng = np.random.default_rng(seed)
    W1 = (rng.standard_normal((784, 100)) * np.sqrt(2 / 784)).astype(dtype)
    W2 = (rng.standard_normal((100, 10)) * np.sqrt(2 / 100)).astype(dtype)
    params = [W1, np.zeros(100, dtype), W2, np.zeros(10, dtype)]
    vel = [np.zeros_like(p) for p in params]
    sq = [np.zeros_like(p) for p in params]
    step = 0
    # shuffles from a second generator with the same seed: the same random streams as
    # Network.init(rng=seed) and fit(rng=seed), so both run exactly the same algorithm
    order_rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = order_rng.permutation(len(x))
        for i in range(0, len(x), 100):
            idx = order[i:i + 100]
            xb, tb = x[idx].astype(dtype, copy=False), t[idx]
            W1, b1, W2, b2 = params
            h = np.maximum(xb @ W1 + b1, 0)
            a = h @ W2 + b2
            e = np.exp(a - a.max(axis=1, keepdims=True))
            y = e / e.sum(axis=1, keepdims=True)
            y[np.arange(len(idx)), tb] -= 1
            d2 = y / len(idx)
            d1 = (d2 @ W2.T) * (h > 0)
            grads = (xb.T @ d1, d1.sum(axis=0), h.T @ d2, d2.sum(axis=0))
            step += 1
            lr_t = 0.001 * np.sqrt(1 - 0.999 ** step) / (1 - 0.9 ** step)
            for p, v, s, g in zip(params, vel, sq, grads):
                if optimizer == "adam":
                    v += 0.1 * (g - v)
                    s += 0.001 * (g * g - s)
                    p -= lr_t * v / (np.sqrt(s) + 1e-7)
                else:
                    v *= 0.9
                    v -= 0.1 * g
                    p += v
    return params


def accuracy(params, x, t):
    """Test accuracy of the trained parameters."""
    W1, b1, W2, b2 = params
    pred = np.argmax(np.maximum(x.astype(W1.dtype) @ W1 + b1, 0) @ W2 + b2, axis=1)
    return float(np.mean(pred == t))
