"""Perceptrons and logic gates (chapter 2), on both backends."""
import numpy as np
import pytest

import nncore

INPUTS = [(0, 0), (1, 0), (0, 1), (1, 1)]
TABLES = {
    "AND": [0, 0, 0, 1],
    "NAND": [1, 1, 1, 0],
    "OR": [0, 1, 1, 1],
    "XOR": [0, 1, 1, 0],
}


@pytest.mark.parametrize("gate", sorted(TABLES))
def test_truth_tables_scalars(backend, gate):
    fn = getattr(nncore, gate)
    got = [fn(a, b) for a, b in INPUTS]
    assert got == TABLES[gate]
    assert all(isinstance(v, int) for v in got)


@pytest.mark.parametrize("gate", sorted(TABLES))
def test_truth_tables_arrays(backend, gate):
    fn = getattr(nncore, gate)
    x1 = np.array([a for a, _ in INPUTS])
    x2 = np.array([b for _, b in INPUTS])
    np.testing.assert_array_equal(fn(x1, x2), TABLES[gate])
    grid = fn(x1.reshape(2, 2), x2.reshape(2, 2))
    assert grid.shape == (2, 2)
    np.testing.assert_array_equal(grid.ravel(), TABLES[gate])
    assert fn(np.array([]), np.array([])).shape == (0,)


def test_gate_shape_mismatch():
    with pytest.raises(ValueError, match=r"x1 and x2 must have the same shape; got \(3,\) and \(2,\)"):
        nncore.AND([0, 1, 1], [0, 1])


def test_perceptron_single_and_batch(backend):
    p = nncore.Perceptron([0.5, 0.5], -0.7)
    assert p([1, 1]) == 1 and p([1, 0]) == 0
    out = p(np.array(INPUTS, dtype=np.float32))
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, TABLES["AND"])
    # w·x + b == 0 exactly gives 0 (strictly greater than 0 fires)
    assert nncore.Perceptron([1.0], -1.0)([1.0]) == 0
    assert p(np.empty((0, 2))).shape == (0,)
    strided = np.array(INPUTS, dtype=float)[::-1]
    np.testing.assert_array_equal(p(strided), TABLES["AND"][::-1])


def test_perceptron_validation():
    with pytest.raises(ValueError, match="w must be 1-D"):
        nncore.Perceptron([[1.0]], 0.0)
    with pytest.raises(ValueError, match="b must be a single number"):
        nncore.Perceptron([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="must be finite"):
        nncore.Perceptron([np.nan], 0.0)
    p = nncore.Perceptron([1.0, 1.0], 0.0)
    with pytest.raises(ValueError, match=r"x has 3 inputs per sample \(shape \(3,\)\) but the perceptron has 2"):
        p([1, 2, 3])
    with pytest.raises(ValueError, match="x contains NaN"):
        p([np.nan, 1.0])
    with pytest.raises(TypeError, match="x must have a float32"):
        p(["a", "b"])


@pytest.mark.parametrize("gate", ["AND", "NAND", "OR"])
def test_fit_learns_linearly_separable_gates(backend, gate):
    p = nncore.Perceptron([0.0, 0.0], 0.0)
    result = p.fit(INPUTS, TABLES[gate])
    assert result.converged
    assert result.errors[-1] == 0 and len(result.errors) == result.epochs
    np.testing.assert_array_equal(p.predict(INPUTS), TABLES[gate])


def test_fit_reports_that_xor_cannot_be_learned(backend):
    p = nncore.Perceptron([0.0, 0.0], 0.0)
    result = p.fit(INPUTS, TABLES["XOR"], max_epochs=50)
    assert not result.converged
    assert result.epochs == 50 and len(result.errors) == 50
    assert min(result.errors) > 0
    assert (p.predict(INPUTS) != TABLES["XOR"]).any()


def test_fit_validation():
    p = nncore.Perceptron([0.0, 0.0], 0.0)
    with pytest.raises(ValueError, match=r"y must have shape \(4,\)"):
        p.fit(INPUTS, [0, 1])
    with pytest.raises(ValueError, match="y must hold only 0 and 1"):
        p.fit(INPUTS, [0, 1, 2, 0])
    with pytest.raises(ValueError, match="lr must be a positive number"):
        p.fit(INPUTS, [0, 0, 0, 1], lr=0)
    with pytest.raises(ValueError, match="max_epochs must be a positive integer"):
        p.fit(INPUTS, [0, 0, 0, 1], max_epochs=0)
    with pytest.raises(ValueError, match="X has 3 inputs per sample"):
        p.fit([[0, 0, 0]], [0])
