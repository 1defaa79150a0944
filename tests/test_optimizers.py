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
    "Nesterov": lambda: nncore.Momentum(lr=0.1, momentum=0.8, nesterov=True),
    "AdaGrad": lambda: nncore.AdaGrad(lr=0.1),
    "RMSprop": lambda: nncore.RMSprop(lr=0.01, decay_rate=0.9),
    "Adam": lambda: nncore.Adam(lr=0.01),
    "Adam+decay": lambda: nncore.Adam(lr=0.01, weight_decay=0.1),
    "Adam+eps": lambda: nncore.Adam(lr=0.01, eps=1e-8),
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


@pytest.mark.parametrize("eps", [1e-7, 1e-8, 0.5])
def test_adam_eps_is_the_denominator_constant(dtype, backend, eps):
    p0 = np.array([0.5, -1.0, 2.0, 0.0], dtype)
    g = np.array([0.25, -3.0, 1e-8, 0.0], dtype)
    params = {"W1": p0.copy()}
    nncore.Adam(lr=0.1, eps=eps).update(params, {"W1": g})
    g64 = g.astype(np.float64)
    m, v = 0.1 * g64, 0.001 * g64 * g64
    lr_t = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9)
    expected = p0 - lr_t * m / (np.sqrt(v) + eps)
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(params["W1"], expected, rtol=rtol, atol=1e-7)


def test_nesterov_follows_its_formula(dtype, backend):
    """Two Nesterov steps against the formula in float64: v = m v - lr g; W += m v - lr g."""
    rng = np.random.default_rng(3)
    p = rng.standard_normal((4, 3))
    grads = [rng.standard_normal((4, 3)) for _ in range(2)]
    params = {"W1": p.astype(dtype)}
    opt = nncore.Momentum(lr=0.1, momentum=0.9, nesterov=True)
    v = np.zeros_like(p)
    for g in grads:
        opt.update(params, {"W1": g.astype(dtype)})
        g = g.astype(dtype).astype(np.float64)
        v = 0.9 * v - 0.1 * g
        p = p + 0.9 * v - 0.1 * g
    rtol, atol = (1e-5, 1e-6) if dtype == np.float32 else (1e-12, 1e-13)
    np.testing.assert_allclose(params["W1"], p, rtol=rtol, atol=atol)


@pytest.mark.parametrize("bad", [0, -1e-8, float("inf"), float("nan"), True, "1e-8"])
def test_adam_refuses_a_bad_eps(bad):
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        nncore.Adam(eps=bad)


def test_nesterov_must_be_a_bool():
    with pytest.raises(TypeError, match="nesterov must be True or False"):
        nncore.Momentum(nesterov="yes")
    assert "nesterov=True" in repr(nncore.Momentum(nesterov=True))
