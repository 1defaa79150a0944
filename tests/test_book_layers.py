"""Chapter 5's layers and TwoLayerNet, and the chapter-4 simpleNet, against the book."""
import numpy as np
import pytest

import nncore
from nncore import book

# simpleNet's weights as section 4.4.2 prints them
SIMPLE_W = np.array([[0.47355232, 0.9977393, 0.84668094],
                     [0.85557411, 0.03563661, 0.69422093]])
SIMPLE_DW = np.array([[0.21924763, 0.14356247, -0.36281009],
                      [0.32887144, 0.2153437, -0.54421514]])


def test_buy_apple_and_orange_print_the_books_values():
    apple, orange, tax = book.MulLayer(), book.MulLayer(), book.MulLayer()
    add = book.AddLayer()
    price = tax.forward(add.forward(apple.forward(100, 2), orange.forward(150, 3)), 1.1)
    dall, dtax = tax.backward(1)
    dapple_price, dorange_price = add.backward(dall)
    dorange, dorange_num = orange.backward(dorange_price)
    dapple, dapple_num = apple.backward(dapple_price)
    assert (int(price), dapple, int(dapple_num), dorange, int(dorange_num), dtax) == \
        (715, 2.2, 110, 3.3000000000000003, 165, 650)
    assert str(dorange) != "3.3"   # the book prints 3.3000000000000003 too


def test_layer_backward_before_forward_is_a_clear_error():
    for layer in (book.MulLayer(), book.Relu(), book.Sigmoid(), book.SoftmaxWithLoss(),
                  book.Affine(np.zeros((2, 2)), np.zeros(2))):
        with pytest.raises(RuntimeError, match="needs forward to be called first"):
            layer.backward(np.ones((1, 2)))


def _check_backward(layer, x, dout, forward_args=()):
    """Each layer's backward against central differences of sum(forward * dout)."""
    layer.forward(x, *forward_args)
    dx = layer.backward(dout)
    x = np.array(x, dtype=np.float64)
    numeric = nncore.numerical_gradient(lambda v: float(np.sum(layer.forward(v) * dout)), x)
    np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-8)


def test_layers_backward_is_the_derivative(backend):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    dout = rng.standard_normal((3, 4))
    _check_backward(book.Sigmoid(), x, dout)
    _check_backward(book.Relu(), x, dout)
    W, b = rng.standard_normal((4, 2)), rng.standard_normal(2)
    affine = book.Affine(W, b)
    _check_backward(affine, x, rng.standard_normal((3, 2)))
    affine.forward(x)
    affine.backward(np.ones((3, 2)))
    np.testing.assert_allclose(affine.dW, x.T @ np.ones((3, 2)))
    np.testing.assert_allclose(affine.db, [3.0, 3.0])


def test_layers_keep_dtype_layout_and_inputs(backend, dtype):
    x = np.asfortranarray(np.array([[1.0, -2.0], [-0.5, 3.0]], dtype=dtype))
    x.flags.writeable = False
    dout = np.ones((2, 2), dtype)
    dout.flags.writeable = False
    for layer in (book.Relu(), book.Sigmoid()):
        assert layer.forward(x).dtype == dtype
        assert layer.backward(dout).dtype == dtype
    W = np.eye(2, dtype=dtype)
    affine = book.Affine(W, np.zeros(2, dtype))
    assert affine.forward(x).dtype == dtype and affine.backward(dout).dtype == dtype
    relu = book.Relu()
    relu.forward(np.zeros((0, 2), dtype))
    assert relu.backward(np.zeros((0, 2), dtype)).shape == (0, 2)
    # a 4-D batch is flattened per sample, and dx gets its shape back
    img = np.ones((2, 1, 2, 2), dtype)
    affine4 = book.Affine(np.ones((4, 3), dtype), np.zeros(3, dtype))
    assert affine4.forward(img).shape == (2, 3)
    assert affine4.backward(np.ones((2, 3), dtype)).shape == (2, 1, 2, 2)


def test_softmax_with_loss_labels_and_one_hot_agree(backend):
    x = np.array([[0.3, 2.9, 4.0], [1.0, 0.0, -1.0]])
    a, b = book.SoftmaxWithLoss(), book.SoftmaxWithLoss()
    assert a.forward(x, np.array([2, 0])) == b.forward(x, np.array([[0, 0, 1], [1, 0, 0]]))
    np.testing.assert_allclose(a.backward(), b.backward())
    np.testing.assert_allclose(a.backward(2.0), 2 * a.backward())
    with pytest.raises(ValueError, match="labels"):
        a.forward(x, np.array([3, 0]))


def test_affine_errors():
    with pytest.raises(ValueError, match="W must be a 2-D numpy array"):
        book.Affine([[1.0]], np.zeros(1))
    with pytest.raises(ValueError, match=r"b must be a numpy array of shape \(2,\)"):
        book.Affine(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="features|shape"):
        book.Affine(np.zeros((3, 2)), np.zeros(2)).forward(np.ones((1, 4)))


def test_simple_net_prints_the_books_values(backend):
    """Section 4.4.2: predict, loss and the numerical gradient of simpleNet."""
    x, t = np.array([0.6, 0.9]), np.array([0, 0, 1])
    net = nncore.Network.from_params({"W1": SIMPLE_W, "b1": np.zeros(3)})
    scores = nncore.Network.from_params({"W1": SIMPLE_W, "b1": np.zeros(3)}, output="identity")
    np.testing.assert_allclose(scores.predict(x), [1.05414809, 0.63071653, 1.1328074], atol=5e-9)
    assert int(np.argmax(scores.predict(x))) == 2
    # The printed loss and dW are those of the exact loss (Network.loss): the
    # book's weights are printed to 8 digits, so agreement is to about 1e-8.
    assert net.loss(x, [2]) == pytest.approx(0.92806853663411326, abs=1e-8)
    dW = nncore.numerical_gradient(lambda _: net.loss(x, [2]), net.params["W1"])
    np.testing.assert_allclose(dW, SIMPLE_DW, atol=5e-9)
    np.testing.assert_allclose(net.gradient(x, [2])["W1"], SIMPLE_DW, atol=5e-9)
    # The book's code adds 1e-7 inside the log: 1e-7 / 0.3953 = 2.5e-7 lower.
    W = SIMPLE_W.copy()
    book_loss = book.cross_entropy_error(book.softmax(x @ W), t)
    assert book_loss == pytest.approx(0.92806853663411326 - 1e-7 / book.softmax(x @ W)[2],
                                      abs=1e-8)
    np.testing.assert_allclose(
        book.numerical_gradient(lambda _: book.softmax_loss(x @ W, t), W), SIMPLE_DW, atol=2e-7)
