"""nncore: a small, fast neural-network core.

The perceptron-to-MNIST path of "Deep Learning from Scratch" as a library, with
compiled Cython kernels and a NumPy implementation of the same contract.

>>> import nncore
>>> nncore.BACKEND in ("cython", "python")
True
"""
from . import _startup  # first: the nncore command's Ctrl-C handling covers the imports below
from ._config import show_config
from ._threads import get_num_threads, set_num_threads
from ._kernels import BACKEND
from ._memory import TooLargeError
from ._version import __version__
from .gradient import numerical_gradient
from . import pretrained
from .io import NetworkFileError, load, load_legacy_pickle
from ._onnx_read import load_onnx
from .losses import cross_entropy_error, mean_squared_error
from .optimizers import SGD, AdaGrad, Adam, Momentum, RMSprop
from .training import History
from .network import Dense, Network
from .perceptron import AND, NAND, OR, XOR, Perceptron, PerceptronFit
from .functions import (
    affine,
    identity_function,
    relu,
    sigmoid,
    softmax,
    step_function,
    tanh,
)

__all__ = [
    "BACKEND",
    "__version__",
    "show_config",
    "set_num_threads",
    "get_num_threads",
    "step_function",
    "sigmoid",
    "tanh",
    "relu",
    "identity_function",
    "softmax",
    "affine",
    "Perceptron",
    "PerceptronFit",
    "AND",
    "NAND",
    "OR",
    "XOR",
    "Dense",
    "Network",
    "load",
    "load_legacy_pickle",
    "load_onnx",
    "NetworkFileError",
    "TooLargeError",
    "mean_squared_error",
    "cross_entropy_error",
    "numerical_gradient",
    "SGD",
    "Momentum",
    "AdaGrad",
    "RMSprop",
    "Adam",
    "History",
]
