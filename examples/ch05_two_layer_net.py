"""The book's chapter 5 training run (train_neuralnet.py) with nncore.

784-50-10, ReLU, softmax with cross-entropy, SGD with learning rate 0.1, batches
of 100, 10,000 iterations (about 17 epochs), weights initialised with std 0.01.
The book reports about 0.97 test accuracy.
"""
import time

import nncore
from nncore.datasets import load_mnist

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
net = nncore.Network.init([784, 50, 10], activation="relu", output="softmax", weight_init=0.01,
                          rng=0)
epochs = -(-10_000 * 100 // len(x_train))  # 10,000 iterations of 100 samples
start = time.perf_counter()
history = net.fit(x_train, t_train, epochs=epochs, batch_size=100, optimizer="sgd", lr=0.1,
                  rng=0, validation_data=(x_test, t_test), progress=False)
print(f"{epochs} epochs in {time.perf_counter() - start:.1f} s")
for epoch, (train, test) in enumerate(zip(history.accuracy, history.val_accuracy), start=1):
    print(f"epoch {epoch:2d}: train acc {train:.4f}, test acc {test:.4f}")
