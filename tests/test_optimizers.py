"""The optimizers' steps run as kernels: both backends, and the NumPy fallback for
arrays the kernels do not take, update parameters bit for bit alike."""
import numpy as np
import pytest

import nncore
from nncore import _kernels

from .conftest import KERNEL_MODULES

OPTIMIZERS = {
    "SGD": lambda: nncore.SGD(lr=0.1),
    "Momentum": lambda: nncore.Momentum(lr=0.1, momentum=0.8),
    "AdaGrad": lambda: nncore.AdaGrad(lr=0.1),
    "RMSprop": lambda: nncore.RMSprop(lr=0.01, decay_rate=0.9),
    "Adam": lambda: nncore.Adam(lr=0.01),
    "Adam+decay": lambda: nncore.Adam(lr=0.01, weight_decay=0.1),
}


def _run(make, dtype, module, order="C", steps=5):
    rng = np.random.default_rng(0)
    params = {"W1": np.array(rng.standard_normal((7, 5)), dtype=dtype, order=order),
              "b1": rng.standard_normal(5).astype(dtype)}
    opt = make()
    saved, _kernels.impl = _kernels.impl, module
    try:
        for _ in range(steps):
            grads = {k: rng.standard_normal(p.shape).astype(dtype) for k, p in params.items()}
            opt.update(params, grads)
    finally:
        _kernels.impl = saved
    return params


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_backend_steps_alike(name, dtype):
    results = {b: _run(OPTIMIZERS[name], dtype, m) for b, m in KERNEL_MODULES.items()}
    reference = results.pop("python")
    assert reference["W1"].dtype == dtype
    for params in results.values():
        for key in reference:
            np.testing.assert_array_equal(params[key], reference[key])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_arrays_the_kernels_do_not_take_step_alike(name, dtype, backend):
    """A Fortran-order weight goes through NumPy's fallback and ends where C order does."""
    module = KERNEL_MODULES[backend]
    c_order = _run(OPTIMIZERS[name], dtype, module)
    f_order = _run(OPTIMIZERS[name], dtype, module, order="F")
    assert f_order["W1"].flags.f_contiguous
    for key in c_order:
        np.testing.assert_array_equal(f_order[key], c_order[key])


def test_the_steps_follow_their_formulas(dtype):
    """One Adam step against the formula written out in float64."""
    p0 = np.array([0.5, -1.0, 2.0], dtype)
    g = np.array([0.25, -3.0, 0.0], dtype)
    params = {"W1": p0.copy()}
    nncore.Adam(lr=0.1, beta1=0.9, beta2=0.999).update(params, {"W1": g})
    g64 = g.astype(np.float64)
    m, v = 0.1 * g64, 0.001 * g64 * g64
    lr_t = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9)
    expected = p0 - lr_t * m / (np.sqrt(v) + 1e-7)
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(params["W1"], expected, rtol=rtol)
