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
    "SGD+decay": lambda: nncore.SGD(lr=0.1, weight_decay=0.05),
    "Nesterov+decay": lambda: nncore.Momentum(lr=0.1, nesterov=True, weight_decay=0.05),
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


# ---------------------------------------------------------------- the fused training step

def _fit_and_by_hand(make, dtype, activation="relu", output="softmax"):
    """fit (the optimizer's step inside the training kernel) and the same steps taken
    by hand (gradient(), then update()), from the same start."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((23, 6)).astype(dtype)
    t = rng.integers(0, 3, 23)
    sizes = [6, 9, 4, 3]
    fitted = nncore.Network.init(sizes, activation=activation, output=output, dtype=dtype,
                                 rng=1)
    by_hand = nncore.Network.init(sizes, activation=activation, output=output, dtype=dtype,
                                  rng=1)
    history = fitted.fit(x, t, epochs=2, batch_size=5, optimizer=make(), rng=4,
                         progress=False)
    opt, order_rng, losses = make(), np.random.default_rng(4), []
    for _ in range(2):
        order = order_rng.permutation(23)
        for start in range(0, 23, 5):
            idx = order[start:start + 5]
            losses.append(by_hand.loss(x[idx], t[idx]))
            opt.update(by_hand.params, by_hand.gradient(x[idx], t[idx]))
    return fitted, by_hand, history, losses


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_fit_steps_inside_the_kernel_as_update_does(name, dtype, backend):
    """Every built-in optimizer, with weight decay and Nesterov's step too: the fused
    step leaves every weight bit for bit where gradient() + update() do, on a
    three-layer network (each layer is updated while the layers below still
    need the gradient pass)."""
    fitted, by_hand, history, losses = _fit_and_by_hand(OPTIMIZERS[name], dtype)
    for key, value in fitted.params.items():
        assert value.dtype == dtype
        np.testing.assert_array_equal(value, by_hand.params[key], err_msg=key)
    np.testing.assert_allclose(history.batch_loss, losses, rtol=1e-5 if dtype == np.float32
                               else 1e-12)


def test_a_subclassed_optimizer_is_called_by_fit(dtype, backend):
    """A subclass may change update(): fit calls it instead of the fused step."""
    calls = []

    class Counting(nncore.SGD):
        def update(self, params, grads):
            calls.append(sorted(grads))
            super().update(params, grads)

    fitted, by_hand, _, _ = _fit_and_by_hand(lambda: Counting(lr=0.1), dtype)
    assert len(calls) == 2 * 2 * 5 and calls[0] == ["W1", "W2", "W3", "b1", "b2", "b3"]
    for key, value in fitted.params.items():
        np.testing.assert_array_equal(value, by_hand.params[key])


def _read_only(shape):
    a = np.zeros(shape)
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("bad", [lambda: np.zeros(3), lambda: np.zeros(15),
                                 lambda: np.zeros((5, 3)), lambda: np.zeros((3, 5), np.float32),
                                 lambda: np.zeros((3, 5), np.int64), lambda: _read_only((3, 5)),
                                 lambda: "zeros"],
                         ids=["short", "flat", "transposed", "float32", "int64", "read-only",
                              "str"])
def test_a_wrong_state_array_is_refused_not_written(bad, backend):
    """Optimizer state dicts are public: a state array that does not match its
    parameter is a ValueError in fit (the fused step) and in update(), never a
    write out of its bounds; the weights are left as they were."""
    net = nncore.Network.init([4, 3, 5], rng=0)
    x, t = np.ones((6, 4)), np.zeros(6, int)
    opt = nncore.Momentum(lr=0.1)
    net.fit(x, t, epochs=1, batch_size=3, optimizer=opt, progress=False)
    before = {k: v.copy() for k, v in net.params.items()}
    opt.v["W2"] = bad()
    with pytest.raises(ValueError, match="optimizer state for 'W2' must be a writeable array "
                       r"of shape \(3, 5\) and dtype float64"):
        net.fit(x, t, epochs=1, batch_size=3, optimizer=opt, progress=False)
    with pytest.raises(ValueError, match="optimizer state for 'W2'"):
        opt.update(net.params, net.gradient(x, t))
    for key, value in net.params.items():
        np.testing.assert_array_equal(value, before[key])


def test_a_state_array_of_another_layout_is_taken(dtype, backend):
    """A Fortran-order state of the right shape works (through update's NumPy path)
    and ends where a C-order one does."""
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((12, 4)).astype(dtype), rng.integers(0, 5, 12)
    nets = [nncore.Network.init([4, 3, 5], dtype=dtype, rng=0) for _ in range(2)]
    opts = [nncore.Momentum(lr=0.1) for _ in range(2)]
    opts[1].v["W1"] = np.zeros((4, 3), dtype, order="F")
    for net, opt in zip(nets, opts):
        net.fit(x, t, epochs=2, batch_size=4, optimizer=opt, rng=1, progress=False)
    assert opts[1].v["W1"].flags.f_contiguous and np.any(opts[1].v["W1"] != 0)
    for key, value in nets[0].params.items():
        np.testing.assert_array_equal(value, nets[1].params[key])
