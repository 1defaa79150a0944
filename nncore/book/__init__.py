"""The books' own names, for running their code on nncore.

Replace the imports of *Deep Learning from Scratch*'s ``common/`` and ``dataset/``
(chapters 2-5) with this module's names and :func:`nncore.datasets.load_mnist`;
*Make Your Own Neural Network*'s class is :class:`neuralNetwork` (and
:func:`rotate_inputs` its part 3's rotated records).  The docs page
"The books, file by file" maps every script and function.

>>> from nncore.book import TwoLayerNet, numerical_gradient, softmax, cross_entropy_error
"""
from ..datasets import load_mnist
from ..perceptron import AND, NAND, OR, XOR
from .functions import (
    cross_entropy_error,
    identity_function,
    mean_squared_error,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_loss,
    step_function,
    sum_squared_error,
)
from .gradient import gradient_descent, numerical_diff, numerical_gradient, numerical_gradient_2d
from .layers import Affine, AddLayer, MulLayer, Relu, Sigmoid, SoftmaxWithLoss
from .myonn import neuralNetwork, rotate_inputs
from .two_layer_net import TwoLayerNet

__all__ = [
    "load_mnist", "AND", "NAND", "OR", "XOR",
    "identity_function", "step_function", "sigmoid", "sigmoid_grad", "relu", "relu_grad",
    "softmax", "sum_squared_error", "mean_squared_error", "cross_entropy_error", "softmax_loss",
    "numerical_diff", "numerical_gradient", "numerical_gradient_2d", "gradient_descent",
    "MulLayer", "AddLayer", "Affine", "Relu", "Sigmoid", "SoftmaxWithLoss",
    "TwoLayerNet", "neuralNetwork", "rotate_inputs",
]
