"""The MNIST model that ships with nncore, trained by nncore's own ``fit``.

It was made with the command in :data:`TRAINING_COMMAND` (run from a source
checkout with the MNIST files available) and is stored as float32 ``.npz``.
"""
import os

from .io import load

__all__ = ["mnist", "MNIST_PATH", "TRAINING_COMMAND"]

MNIST_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "mnist_mlp.npz")

#: How the shipped model was trained (its output is recorded in the repository's
#: ``nncore/data/README.md``).
TRAINING_COMMAND = ("nncore train --hidden 256 --activation relu --weight-init he "
                    "--optimizer adam --lr 0.0005 --weight-decay 0.0002 --epochs 20 "
                    "--batch-size 100 --dtype float32 --seed 0 --out nncore/data/mnist_mlp.npz")


def mnist():
    """The shipped 784-256-10 ReLU network for MNIST (float32, softmax output).

    It reaches 0.9809 accuracy on the MNIST test split.

    Examples
    --------
    >>> import nncore
    >>> from nncore.datasets import load_mnist
    >>> net = nncore.pretrained.mnist()
    >>> net.sizes
    [784, 256, 10]
    >>> x, t = load_mnist(split="test")
    >>> round(net.accuracy(x, t), 4)
    0.9809
    """
    return load(MNIST_PATH)
