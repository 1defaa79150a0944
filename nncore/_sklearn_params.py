"""Checks of the scikit-learn estimators' hyper-parameters, run by ``fit``.

scikit-learn's convention: the constructor stores its arguments untouched and
``set_params`` never raises, so every check happens here, when training starts,
with a message naming the parameter, what it accepts and what it got.
"""
from numbers import Integral, Real

import numpy as np

#: scikit-learn's activation names -> nncore's
ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
SOLVERS = ("adam", "sgd")
LEARNING_RATES = ("constant", "invscaling", "adaptive")


def _fail(name, accepted, value):
    raise ValueError(f"{name} must be {accepted}; got {value!r}")


def _real(est, name, low, high=np.inf, low_open=False, high_open=True):
    value = getattr(est, name)
    if isinstance(value, bool) or not isinstance(value, Real) or np.isnan(value):
        _fail(name, "a real number", value)
    below = value <= low if low_open else value < low
    above = value >= high if high_open else value > high
    if below or above:
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        _fail(name, f"a real number in {left}{low}, {high}{right}", value)
    return float(value)


def _positive_int(est, name):
    value = getattr(est, name)
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        _fail(name, "an integer >= 1", value)
    return int(value)


def _bool(est, name):
    value = getattr(est, name)
    if not isinstance(value, (bool, np.bool_)):
        _fail(name, "True or False", value)
    return bool(value)


def hidden_layer_sizes(value):
    """The hidden widths as a list of ints (an int is one layer)."""
    sizes = [value] if isinstance(value, Integral) and not isinstance(value, bool) else value
    try:
        sizes = list(sizes)
    except TypeError:
        _fail("hidden_layer_sizes", "an int or a sequence of ints >= 1", value)
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, Integral) or s < 1:
            _fail("hidden_layer_sizes", "an int or a sequence of ints >= 1", value)
    return [int(s) for s in sizes]


def check_params(est):
    """Raise ValueError for the first invalid hyper-parameter of ``est``."""
    hidden_layer_sizes(est.hidden_layer_sizes)
    if est.activation not in ACTIVATIONS:
        _fail("activation", f"one of {', '.join(map(repr, ACTIVATIONS))}", est.activation)
    if est.solver not in SOLVERS:
        hint = " (nncore trains by mini-batch gradient descent only: no 'lbfgs')" \
            if est.solver == "lbfgs" else ""
        raise ValueError(f"solver must be one of {', '.join(map(repr, SOLVERS))}; "
                         f"got {est.solver!r}{hint}")
    if est.learning_rate not in LEARNING_RATES:
        _fail("learning_rate", f"one of {', '.join(map(repr, LEARNING_RATES))}",
              est.learning_rate)
    if not (isinstance(est.batch_size, str) and est.batch_size == "auto"):
        _positive_int(est, "batch_size")
    _real(est, "alpha", 0)
    _real(est, "learning_rate_init", 0, low_open=True)
    _real(est, "power_t", 0)
    _positive_int(est, "max_iter")
    _real(est, "tol", 0)
    _real(est, "momentum", 0, 1)  # nncore's Momentum needs momentum < 1
    _real(est, "validation_fraction", 0, 1)
    _real(est, "beta_1", 0, 1)
    _real(est, "beta_2", 0, 1)
    _real(est, "epsilon", 0, low_open=True)
    n = est.n_iter_no_change
    if not (n == np.inf or (isinstance(n, Integral) and not isinstance(n, bool) and n >= 1)):
        _fail("n_iter_no_change", "an integer >= 1 or numpy.inf", n)
    for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
        _bool(est, name)
    if not isinstance(est.verbose, (bool, np.bool_, Integral)):
        _fail("verbose", "a bool or an int", est.verbose)
