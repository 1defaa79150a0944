"""The compiled module's entry points check what they read and write themselves.

nncore's public API validates every argument before it reaches the kernels; the
extension's own functions (``Forward``, ``gradient``, ``train_step``, ``dense``,
``activate``, ``softmax_rows``, the optimizer updates) check again,
because an array of the wrong shape, dtype or layout there, or a label out of range,
would be read or written out of bounds.  Each case runs in a child process, so a
crash fails the test instead of killing pytest.
"""
import subprocess
import sys
import tempfile

import pytest

from .conftest import KERNEL_MODULES

pytestmark = pytest.mark.skipif("cython" not in KERNEL_MODULES,
                                reason="compiled extension not built")

SETUP = """
import numpy as np
import nncore._kernels_c as k
S, SM = k.ACTIVATION_CODES["sigmoid"], k.ACTIVATION_CODES["softmax"]
CE, MSE = k.LOSS_CODES["cross_entropy"], k.LOSS_CODES["mse"]
W = [np.ones((4, 3)), np.ones((3, 2))]
b = [np.zeros(3), np.zeros(2)]
x = np.ones((5, 4))
t = np.array([0, 1, 0, 1, 1])
zs = [np.empty((5, 3)), np.empty((5, 2))]
dWs = [np.empty((4, 3)), np.empty((3, 2))]
dbs = [np.empty(3), np.empty(2)]
read_only = np.zeros((3, 2))
read_only.flags.writeable = False
plan = k.Forward(W, b, [S, S], SM)
"""

CASES = {
    "one activation short": ("k.Forward(W, b, [S], SM)", "one bias and one activation"),
    "no layers": ("k.Forward([], [], [], SM)", "at least one layer"),
    "a float32 bias": ("k.Forward(W, [b[0].astype(np.float32), b[1]], [S, S], SM)", "layer 1"),
    "layers that do not chain": ("k.Forward([W[0], np.ones((2, 2))], b, [S, S], SM)", "layer 2"),
    "an F-order matrix": ("k.Forward([np.asfortranarray(W[0]), W[1]], b, [S, S], SM)",
                          "C-contiguous"),
    "an unknown activation": ("k.Forward(W, b, [S, 99], SM)", "activation code 99"),
    "a label too large": ("k.gradient(W, b, [S, S], SM, CE, x, np.array([0, 1, 0, 1, 5]), zs, "
                          "dWs, dbs)", "labels must lie in [0, 2)"),
    "a negative label": ("k.gradient(W, b, [S, S], SM, CE, x, np.array([0, -1, 0, 1, 1]), zs, "
                         "dWs, dbs)", "labels must lie in [0, 2)"),
    "too few outputs": ("k.gradient(W, b, [S, S], SM, CE, x, t, zs[:1], dWs, dbs)",
                        "one array per layer"),
    "an output too small": ("k.gradient(W, b, [S, S], SM, CE, x, t, [np.empty((4, 3)), zs[1]], "
                            "dWs, dbs)", "layer 1"),
    "a read-only gradient": ("k.gradient(W, b, [S, S], SM, CE, x, t, zs, [dWs[0], read_only], "
                             "dbs)", "layer 2"),
    "an unknown output activation": ("k.gradient(W, b, [S, S], 99, CE, x, t, zs, dWs, dbs)",
                                     "output activation code 99"),
    "a plan's out too short": ("plan(np.ones((8, 4)), np.empty((1, 2)))", "out (N, 2)"),
    "a plan's x too narrow": ("plan(np.ones((1, 2)), np.empty((1, 2)))", "(N, 4)"),
    "dense's bias too short": ("k.dense(x, W[0], np.zeros(2), S, np.empty((5, 3)))",
                               "do not fit"),
    "dense's out too short": ("k.dense(x, W[0], b[0], S, np.empty((2, 3)))", "do not fit"),
    "activate's out too short": ("k.activate(np.ones(9), S, np.empty(3))", "9 values"),
    "softmax's out too short": ("k.softmax_rows(np.ones((4, 3)), np.empty((1, 3)))",
                                "shape (4, 3)"),
    "a gradient shorter than its parameter": ("k.sgd_update(np.ones(9), np.ones(3), 0.1)",
                                              "as many values"),
    "Adam's state too short": ("k.adam_update(np.ones(9), np.ones(9), np.zeros(9), np.zeros(2), "
                               "0.1, 0.9, 0.999, 1e-7)", "as many values"),
    "x too narrow": ("k.gradient(W, b, [S, S], SM, CE, np.ones((5, 3)), t, zs, dWs, dbs)",
                     "shape (5, 4)"),
    "targets of the wrong shape": ("k.train_step(W, b, [S, S], SM, MSE, x, np.ones((5, 3)), zs, "
                                   "dWs, dbs)", "shape (5, 2)"),
}


@pytest.mark.parametrize("name", CASES)
def test_a_wrong_argument_is_a_value_error_not_a_crash(name):
    call, message = CASES[name]
    code = SETUP + f"""
try:
    {call}
except ValueError as e:
    print("ValueError:", e)
else:
    print("no error")
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tempfile.gettempdir(), timeout=60)
    assert res.returncode == 0, f"crashed ({res.returncode}): {res.stderr}"
    assert res.stdout.startswith("ValueError:"), res.stdout + res.stderr
    assert message in res.stdout


def test_the_same_arguments_done_right_work():
    code = SETUP + """
loss = k.gradient(W, b, [S, S], SM, CE, x, t, zs, dWs, dbs)
print(np.isfinite(loss) and all(np.isfinite(a).all() for a in dWs + dbs))
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tempfile.gettempdir(), timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "True"
