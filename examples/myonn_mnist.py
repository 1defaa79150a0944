"""The "Make Your Own Neural Network" MNIST run with nncore.

784-200-10, sigmoid hidden and output layers, squared error, inputs scaled to
0.01..1.0, targets 0.01/0.99, learning rate 0.1, one sample at a time, 5 epochs.
That book reports about 0.975 test accuracy.
"""
import time

import numpy as np

import nncore
from nncore.datasets import load_mnist

(x_train, t_train), (x_test, t_test) = load_mnist(input_range=(0.01, 1.0))
targets = np.full((len(t_train), 10), 0.01, np.float32)
targets[np.arange(len(t_train)), t_train] = 0.99
net = nncore.Network.init([784, 200, 10], activation="sigmoid", output="sigmoid",
                          weight_init="xavier", dtype=np.float32, rng=0)
start = time.perf_counter()
net.fit(x_train, targets, epochs=5, batch_size=1, optimizer="sgd", lr=0.1, loss="mse", rng=0,
        progress=False)
print(f"5 epochs in {time.perf_counter() - start:.1f} s, test accuracy {net.accuracy(x_test, t_test):.4f}")
