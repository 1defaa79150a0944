"""The book's chapter 3 script (neuralnet_mnist.py), written against nncore.

Usage: python ch03_neuralnet_mnist.py [path/to/sample_weight.pkl]

Runs from any folder: the MNIST test split ships with nncore, and the book's
weights are read through nncore's safe unpickler.
"""
import sys

import numpy as np

import nncore
from nncore.datasets import load_mnist


def main(weights="sample_weight.pkl"):
    x, t = load_mnist(normalize=True, flatten=True, one_hot_label=False, split="test")
    network = nncore.Network.from_params(nncore.load_legacy_pickle(weights),
                                         activation="sigmoid", output="softmax")
    accuracy_cnt = 0
    for i in range(len(x)):
        y = network.predict(x[i])
        p = np.argmax(y)  # the index of the most probable digit
        if p == t[i]:
            accuracy_cnt += 1
    print("Accuracy:" + str(float(accuracy_cnt) / len(x)))

    batch_size = 100  # the same, 100 images per call
    accuracy_cnt = 0
    for i in range(0, len(x), batch_size):
        y_batch = network.predict(x[i:i + batch_size])
        accuracy_cnt += int(np.sum(np.argmax(y_batch, axis=1) == t[i:i + batch_size]))
    print("Accuracy:" + str(float(accuracy_cnt) / len(x)))


if __name__ == "__main__":
    main(*sys.argv[1:2])
