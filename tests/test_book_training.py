"""The book's networks end to end: chapter 3's inference, chapter 4/5's gradient check and
training loop, and Make Your Own Neural Network, against the figures the books print."""
import glob
import os
import pickle

import numpy as np
import pytest

import nncore
from nncore import book
from nncore.datasets import _idx
from nncore.training import Step

# gradient_check.py as the book prints it (section 5.7.3): mean |backprop - numerical|
PRINTED_CHECK = {"W1": 2.2232446644e-13, "b1": 9.70418809871e-13, "W2": 8.41139039497e-13,
                 "b2": 1.1945999745e-10}


@pytest.fixture(scope="module")
def mnist(mnist_dir):
    return book.load_mnist(normalize=True, one_hot_label=True, data_home=mnist_dir)


def test_three_layer_network_of_chapter_3(backend):
    """Section 3.4.3: init_network and forward, with the book's functions."""
    net = {"W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]), "b1": np.array([0.1, 0.2, 0.3]),
           "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]), "b2": np.array([0.1, 0.2]),
           "W3": np.array([[0.1, 0.3], [0.2, 0.4]]), "b3": np.array([0.1, 0.2])}
    z = np.array([1.0, 0.5])
    for i in (1, 2):
        z = book.sigmoid(nncore.affine(z, net[f"W{i}"], net[f"b{i}"]))
    y = book.identity_function(nncore.affine(z, net["W3"], net["b3"]))
    np.testing.assert_allclose(y, [0.31682708, 0.69627909], atol=5e-9)


def test_neuralnet_mnist_accuracy_is_the_books(backend, reference_dir, mnist_dir):
    """neuralnet_mnist.py and its batch version print Accuracy:0.9352."""
    params = nncore.load_legacy_pickle(os.path.join(reference_dir, "sample_weight.pkl"))
    _, (x, t) = book.load_mnist(normalize=True, flatten=True, data_home=mnist_dir)

    def predict(x):
        z = x
        for i in (1, 2):
            z = book.sigmoid(nncore.affine(z, params[f"W{i}"], params[f"b{i}"]))
        return book.softmax(nncore.affine(z, params["W3"], params["b3"]))

    one_by_one = sum(int(np.argmax(predict(x[i])) == t[i]) for i in range(0, len(x), 10))
    assert one_by_one / len(x[::10]) == pytest.approx(0.9352, abs=0.03)  # every 10th sample
    batched = sum(int(np.sum(np.argmax(predict(x[i:i + 100]), axis=1) == t[i:i + 100]))
                  for i in range(0, len(x), 100))
    assert batched / len(x) == 0.9352
    assert nncore.Network.from_params(params).accuracy(x, t) == 0.9352


def test_gradient_check_reproduces_the_printed_differences(backend, mnist):
    """gradient_check.py: the book's printed differences are those of the exact loss.

    Network.loss (exact) gives each key's mean difference within a factor of 3 of
    the printed one; the book's code, with 1e-7 in the log, gives about 1000
    times more for b2.  W1's 39200 weights are checked on a 200-weight sample
    (its full mean, 2.6e-13 against the printed 2.2e-13, takes ~10 s).
    """
    (x_train, t_train), _ = mnist
    xb, tb = x_train[:3], t_train[:3]
    net = nncore.Network.init([784, 50, 10], activation="relu", rng=np.random.RandomState(0))
    grad = net.gradient(xb, tb)
    for key in ("b1", "W2", "b2"):
        numeric = nncore.numerical_gradient(lambda _: net.loss(xb, tb), net.params[key])
        diff = np.average(np.abs(grad[key] - numeric))
        assert PRINTED_CHECK[key] / 3 < diff < PRINTED_CHECK[key] * 3, (key, diff)
    rows = np.flatnonzero(xb.any(axis=0))[::2][:40]
    W1 = net.params["W1"]
    for r in rows:
        sub = W1[r, :5]   # a writeable view: the loss reads W1 itself
        numeric = nncore.numerical_gradient(lambda _: net.loss(xb, tb), sub)
        assert np.abs(grad["W1"][r, :5] - numeric).max() < 50 * PRINTED_CHECK["W1"]

    two = book.TwoLayerNet(784, 50, 10, rng=np.random.RandomState(0))
    np.testing.assert_array_equal(two.params["W1"], net.params["W1"])
    backprop = two.gradient(xb, tb)
    for key in grad:
        np.testing.assert_allclose(backprop[key], grad[key], rtol=1e-9, atol=1e-15)
    loss_W = lambda _: two.loss(xb, tb)  # noqa: E731
    b2 = np.average(np.abs(backprop["b2"] - book.numerical_gradient(loss_W, two.params["b2"])))
    assert 300 * PRINTED_CHECK["b2"] < b2 < 3000 * PRINTED_CHECK["b2"]


def test_book_training_loop_through_fit_is_the_hand_written_loop(backend, mnist):
    """train_neuralnet.py's loop, by hand and through fit(replacement=True, callbacks=...)."""
    (x_train, t_train), (x_test, t_test) = mnist
    x_train, t_train = x_train[:3000], t_train[:3000]
    x_test, t_test = x_test[:2000], t_test[:2000]
    iters_num, batch_size, learning_rate = 120, 100, 0.1
    iter_per_epoch = max(x_train.shape[0] / batch_size, 1)

    hand = nncore.Network.init([784, 50, 10], activation="relu", rng=np.random.RandomState(1))
    rs = np.random.RandomState(2)
    hand_loss, hand_acc = [], []
    for i in range(iters_num):
        batch_mask = rs.choice(x_train.shape[0], batch_size)
        grad = hand.gradient(x_train[batch_mask], t_train[batch_mask])
        for key in ("W1", "b1", "W2", "b2"):
            hand.params[key] -= learning_rate * grad[key]
        hand_loss.append(hand.loss(x_train[batch_mask], t_train[batch_mask]))
        if i % iter_per_epoch == 0:
            hand_acc.append((hand.accuracy(x_train, t_train), hand.accuracy(x_test, t_test)))

    fitted = nncore.Network.init([784, 50, 10], activation="relu", rng=np.random.RandomState(1))
    fit_loss, fit_acc = [], []

    def book_log(step):
        assert isinstance(step, Step) and step.net is fitted
        fit_loss.append(step.net.loss(step.x, step.t))
        if step.iteration % iter_per_epoch == 0:
            fit_acc.append((step.net.accuracy(x_train, t_train), step.net.accuracy(x_test, t_test)))

    history = fitted.fit(x_train, t_train, epochs=iters_num * batch_size // x_train.shape[0],
                         batch_size=batch_size, lr=learning_rate, replacement=True,
                         rng=np.random.RandomState(2), callbacks=[book_log], progress=False)
    assert len(history.batch_loss) == iters_num == len(fit_loss)
    assert fit_loss == hand_loss and fit_acc == hand_acc
    for key in hand.params:
        np.testing.assert_array_equal(fitted.params[key], hand.params[key])
    # as in the book's figure 4-11, the loss starts at log(10) = 2.3 and falls
    assert history.batch_loss[0] == pytest.approx(np.log(10), abs=0.01)
    assert np.mean(hand_loss[-10:]) < 1.0 and hand_acc[-1][1] > 0.6


# What the book shows of its unseeded full runs (figures 4-11 and 4-12 and the text
# of sections 4.5.3 and 5.7.4): the loss starts at log(10), both accuracies start at
# chance, rise together with no gap between train and test, and end near 0.95 with
# sigmoid (chapter 4) and near 0.97 with ReLU (chapter 5).  docs/book-map.rst states
# these bands; any seed lands in them.
BOOK_RUNS = {"ch04": ("sigmoid", 0.93), "ch05": ("relu", 0.96)}


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(BOOK_RUNS))
def test_train_neuralnet_full_run_lands_in_the_books_band(mnist, script):
    """train_neuralnet.py of chapter 4 or 5, whole: 60000 images, 10000 iterations.

    On the backend nncore chose only (the loop's steps are compared across backends
    on part of the data above): each run takes tens of seconds."""
    activation, final_floor = BOOK_RUNS[script]
    (x_train, t_train), (x_test, t_test) = mnist
    network = nncore.Network.init([784, 50, 10], activation=activation,
                                  rng=np.random.RandomState(7))
    rs = np.random.RandomState(8)
    train_size, batch_size, learning_rate = x_train.shape[0], 100, 0.1
    iter_per_epoch = max(train_size / batch_size, 1)
    train_loss, train_acc, test_acc = [], [], []
    for i in range(10000):
        batch_mask = rs.choice(train_size, batch_size)
        grad = network.gradient(x_train[batch_mask], t_train[batch_mask])
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= learning_rate * grad[key]
        train_loss.append(network.loss(x_train[batch_mask], t_train[batch_mask]))
        if i % iter_per_epoch == 0:
            train_acc.append(network.accuracy(x_train, t_train))
            test_acc.append(network.accuracy(x_test, t_test))
    assert len(train_acc) == len(test_acc) == 17
    assert train_loss[0] == pytest.approx(np.log(10), abs=0.05)
    assert np.mean(train_loss[-600:]) < np.mean(train_loss[:600]) / 3
    assert train_acc[0] < 0.25 and test_acc[0] < 0.25                      # chance
    assert train_acc[-1] >= final_floor and test_acc[-1] >= final_floor - 0.01
    assert max(abs(a - b) for a, b in zip(train_acc, test_acc)) < 0.02      # no gap
    assert train_acc[-1] < 0.995                                           # nor memorised


def test_fit_replacement_and_callback_errors(backend):
    net = nncore.Network.init([2, 3, 2], rng=0)
    x, t = np.eye(2), [0, 1]
    with pytest.raises(TypeError, match="callbacks must be a callable or a list"):
        net.fit(x, t, epochs=1, callbacks=3, progress=False)
    with pytest.raises(TypeError, match=r"callbacks\[0\] must be callable"):
        net.fit(x, t, epochs=1, callbacks=["no"], progress=False)
    with pytest.raises(TypeError, match="replacement must be True or False"):
        net.fit(x, t, epochs=1, replacement="yes", progress=False)
    steps = []
    history = net.fit(x, t, epochs=3, batch_size=1, replacement=True, rng=0, progress=False,
                      callbacks=steps.append)
    assert [s.iteration for s in steps] == list(range(6)) and [s.epoch for s in steps][-1] == 3
    assert len(history.loss) == 3 and len(history.batch_loss) == 6


def test_two_layer_net_learns_like_chapter_5(backend, mnist, dtype):
    """The book's TwoLayerNet, trained by its own loop on float32 or float64 images."""
    (x_train, t_train), (x_test, t_test) = mnist
    x_train = x_train[:3000].astype(dtype)
    net = book.TwoLayerNet(784, 50, 10, rng=np.random.RandomState(0))
    rs = np.random.RandomState(0)
    for _ in range(150):
        mask = rs.choice(3000, 100)
        grad = net.gradient(x_train[mask], t_train[mask])
        for key in ("W1", "b1", "W2", "b2"):
            net.params[key] -= 0.1 * grad[key]
    assert net.accuracy(x_test[:1000], t_test[:1000]) > 0.75
    np.random.seed(5)   # rng=None draws the book's 0.01 * np.random.randn(...) weights
    seeded = book.TwoLayerNet(4, 3, 2)
    np.random.seed(5)
    np.testing.assert_array_equal(seeded.params["W1"], 0.01 * np.random.randn(4, 3))
    sigmoid_net = book.TwoLayerNet(784, 50, 10, activation="sigmoid", rng=0)
    assert list(sigmoid_net.layers) == ["Affine1", "Sigmoid1", "Affine2"]
    with pytest.raises(ValueError, match="activation must be 'relu' or 'sigmoid'"):
        book.TwoLayerNet(784, 50, 10, activation="tanh")
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        book.TwoLayerNet(784, 0, 10)
    with pytest.raises(ValueError, match=r"x must have shape \(784,\)"):
        net.predict(np.ones((2, 3)))
    with pytest.raises(ValueError, match="empty batch"):
        net.accuracy(np.ones((0, 784)), np.ones((0, 10)))


def _read_csv(path):
    rows = np.loadtxt(path, delimiter=",")
    return rows[:, 1:] / 255.0 * 0.99 + 0.01, rows[:, 0].astype(int)


def test_make_your_own_neural_network(backend, reference_dir):
    """MYONN's notebook on its 100/10-record files: the book's performance 0.6."""
    x_train, l_train = _read_csv(os.path.join(reference_dir, "mnist_train_100.csv"))
    x_test, l_test = _read_csv(os.path.join(reference_dir, "mnist_test_10.csv"))
    n = book.neuralNetwork(784, 100, 10, 0.3, rng=np.random.RandomState(0))
    assert n.wih.shape == (100, 784) and n.who.shape == (10, 100)
    for inputs, label in zip(x_train, l_train):
        targets = np.zeros(10) + 0.01
        targets[label] = 0.99
        n.train(inputs, targets)
    scorecard = [int(np.argmax(n.query(inputs)) == label) for inputs, label in zip(x_test, l_test)]
    assert sum(scorecard) / len(scorecard) == 0.6
    assert n.query(x_test[0]).shape == (10, 1) and n.query(x_test).shape == (10, 10)
    image = n.backquery(np.array([0.99] + [0.01] * 9))
    assert image.shape == (784, 1)
    assert image.min() == pytest.approx(0.01) and image.max() == pytest.approx(0.99)


# part2_neural_network_mnist_data.ipynb's full run prints performance 0.9747 and
# part3_neural_network_mnist_backquery.ipynb's, the same run again, 0.9711: unseeded.
# With RandomState(seed) for the weights, seeds 0 to 11 gave 0.9757, 0.9727, 0.9722,
# 0.9735, 0.9690, 0.9746, 0.9740, 0.9738, 0.9725, 0.9716, 0.9725 and 0.9729 (compiled
# backend); the band holds these and the book's two with a margin of about 0.004.
MYONN_FULL_RUN_BAND = (0.965, 0.980)


def _raw_records(mnist_dir, kind):
    """MNIST's IDX files as the notebooks' CSV files hold them: uint8 rows, labels."""
    pixels = _idx.read(os.path.join(mnist_dir, f"{kind}-images-idx3-ubyte.gz"))
    labels = _idx.read(os.path.join(mnist_dir, f"{kind}-labels-idx1-ubyte.gz"))
    return pixels.reshape(-1, 784), labels


@pytest.fixture(scope="module")
def myonn_records(mnist_dir):
    """Training and test records scaled in float64 as the notebooks scale them."""
    def scaled(kind):
        pixels, labels = _raw_records(mnist_dir, kind)
        return np.asarray(pixels, np.float64) / 255.0 * 0.99 + 0.01, labels

    return scaled("train"), scaled("t10k")


def _myonn_targets(label):
    targets = np.zeros(10) + 0.01
    targets[label] = 0.99
    return targets


def _performance(n, x_test, l_test):
    """The notebooks' scorecard: one query per test record, the fraction right."""
    scorecard = [int(np.argmax(n.query(inputs)) == label) for inputs, label in zip(x_test, l_test)]
    return sum(scorecard) / len(scorecard)


@pytest.mark.slow
def test_myonn_full_run_lands_in_the_books_band(myonn_records):
    """The notebooks' full run: 60000 records in file order, 5 epochs, hidden 200,
    learning rate 0.1 (300000 train calls; on the backend nncore chose only), then
    part 3's backquery of label 0."""
    (x_train, l_train), (x_test, l_test) = myonn_records
    n = book.neuralNetwork(784, 200, 10, 0.1, rng=np.random.RandomState(0))
    for _ in range(5):
        for inputs, label in zip(x_train, l_train):
            n.train(inputs, _myonn_targets(label))
    performance = _performance(n, x_test, l_test)
    assert MYONN_FULL_RUN_BAND[0] <= performance <= MYONN_FULL_RUN_BAND[1], performance
    targets = np.zeros(10) + 0.01
    targets[0] = 0.99
    image = n.backquery(targets)
    assert image.shape == (784, 1)
    assert image.min() == pytest.approx(0.01) and image.max() == pytest.approx(0.99)


def _notebook_train(n, inputs_list, targets_list):
    """neuralNetwork.train as the notebooks print it, on n's weights and sigmoid."""
    inputs = np.array(inputs_list, ndmin=2).T
    targets = np.array(targets_list, ndmin=2).T
    hidden_outputs = n.activation_function(np.dot(n.wih, inputs))
    final_outputs = n.activation_function(np.dot(n.who, hidden_outputs))
    output_errors = targets - final_outputs
    hidden_errors = np.dot(n.who.T, output_errors)
    n.who += n.lr * np.dot((output_errors * final_outputs * (1.0 - final_outputs)),
                           np.transpose(hidden_outputs))
    n.wih += n.lr * np.dot((hidden_errors * hidden_outputs * (1.0 - hidden_outputs)),
                           np.transpose(inputs))


def test_myonn_train_is_the_notebooks_arithmetic(backend, reference_dir):
    """train's in-place update gives the notebook's weights bit for bit, whatever the
    inputs' form (float64 rows as the notebook passes them, lists, float32), and
    pickling drops its scratch buffers but not the weights."""
    x, labels = _read_csv(os.path.join(reference_dir, "mnist_train_100.csv"))
    n = book.neuralNetwork(784, 200, 10, 0.1, rng=np.random.RandomState(4))
    book_n = book.neuralNetwork(784, 200, 10, 0.1, rng=np.random.RandomState(4))
    for k in range(200):
        targets = np.zeros(10) + 0.01
        targets[labels[k % 100]] = 0.99
        inputs = x[k % 100]
        n.train(inputs if k % 3 else list(inputs), targets)
        _notebook_train(book_n, inputs, targets)
    np.testing.assert_array_equal(n.who, book_n.who)
    np.testing.assert_array_equal(n.wih, book_n.wih)
    x32 = x[:5].astype(np.float32)
    n.train(x32[0], targets)
    _notebook_train(book_n, x32[0].astype(np.float64), targets)
    np.testing.assert_array_equal(n.wih, book_n.wih)
    saved = pickle.dumps(n)
    assert len(saved) < 1.01 * (n.wih.nbytes + n.who.nbytes)
    copy = pickle.loads(saved)
    for net in (n, copy):
        net.train(x[7], targets)
    np.testing.assert_array_equal(copy.wih, n.wih)


@pytest.mark.parametrize("case", ["F-order weights", "float32 weights", "strided inputs",
                                  "read-only inputs", "inputs that are a row of wih"])
def test_myonn_train_takes_any_weights_and_inputs(backend, case):
    """Weights a user replaced by another layout or dtype, and inputs that are strided,
    read-only or part of the weights themselves, train as the notebook's expression
    does, bit for bit."""
    rng = np.random.default_rng(8)
    n = book.neuralNetwork(13, 7, 3, 0.2, rng=np.random.RandomState(1))
    inputs = rng.random(13)
    if case == "F-order weights":
        n.wih = np.asfortranarray(n.wih)
    elif case == "float32 weights":
        n.wih, n.who = n.wih.astype(np.float32), n.who.astype(np.float32)
    elif case == "strided inputs":
        inputs = rng.random(26)[::2]
    elif case == "read-only inputs":
        inputs.flags.writeable = False
    book_n = book.neuralNetwork(13, 7, 3, 0.2, rng=np.random.RandomState(1))
    book_n.wih, book_n.who = n.wih.copy(order="K"), n.who.copy(order="K")   # layouts kept
    targets = np.array([0.99, 0.01, 0.01])
    for _ in range(3):
        if case == "inputs that are a row of wih":
            n.train(n.wih[2], targets)
            _notebook_train(book_n, book_n.wih[2], targets)
        else:
            n.train(inputs, targets)
            _notebook_train(book_n, inputs, targets)
    assert n.wih.dtype == book_n.wih.dtype
    np.testing.assert_array_equal(n.wih, book_n.wih)
    np.testing.assert_array_equal(n.who, book_n.who)


@pytest.mark.parametrize("shape", [(0, 5), (4, 0), (1, 1), (7, 13), (33, 70)])
def test_rank1_update_kernel_is_numpys_arithmetic(backend, dtype, shape):
    """The kernel behind MYONN's train: W += lr * outer(d, x), each product rounded,
    then scaled, then added, in W's dtype; an empty W is left alone."""
    from nncore import _kernels
    rng = np.random.default_rng(9)
    W = rng.standard_normal(shape).astype(dtype)
    d, x = rng.standard_normal(shape[0]).astype(dtype), rng.standard_normal(shape[1]).astype(dtype)
    expected = W + dtype.type(0.3) * (d[:, None] @ x[None, :])
    _kernels.impl.rank1_update(W, d, x, 0.3)
    assert W.dtype == dtype
    np.testing.assert_array_equal(W, expected)
    if shape[0] > 1:   # a d that does not fit W is an error, never a write past W
        with pytest.raises(ValueError):
            _kernels.impl.rank1_update(W, d[:-1], x, 0.3)
        np.testing.assert_array_equal(W, expected)


def test_myonn_validation_and_global_state():
    np.random.seed(3)
    a = book.neuralNetwork(3, 2, 1, 0.5)
    np.random.seed(3)
    wih = np.random.normal(0.0, 3 ** -0.5, (2, 3))
    np.testing.assert_array_equal(a.wih, wih)   # None draws from numpy's global state
    with pytest.raises(ValueError, match="learningrate must be a positive number"):
        book.neuralNetwork(3, 2, 1, 0)
    with pytest.raises(ValueError, match=r"inputs_list must hold 3 values per sample"):
        a.query([1.0, 2.0])
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        a.backquery([1.0])
    with pytest.raises(ValueError, match="samples"):
        a.train(np.ones((2, 3)), [0.5])
    ro = np.ones(3, np.float32)
    ro.flags.writeable = False
    assert a.query(ro[::1]).dtype == np.float64


# ------------------------------------------------- MYONN part 3: rotations, own images

def _train_with_rotations(n, x_train, l_train, epochs):
    """part3_neural_network_mnist_data_with_rotations: each record, then the record
    turned by +10 and by -10 degrees, all with the record's targets."""
    plus10, minus10 = book.rotate_inputs(x_train, 10.0), book.rotate_inputs(x_train, -10.0)
    for _ in range(epochs):
        for inputs, inputs_plus10, inputs_minus10, label in zip(x_train, plus10, minus10, l_train):
            targets = _myonn_targets(label)
            n.train(inputs, targets)
            n.train(inputs_plus10, targets)
            n.train(inputs_minus10, targets)
    return n


# The rotations pipeline on the first 1000 records, 1 epoch (3000 train calls), hidden
# 200, learning rate 0.01, scored on the 10000 test records: seeds 0 to 19 gave 0.5599
# to 0.5927 on both backends (seed 0: 0.5711); the band adds 0.03 each side.
MYONN_ROTATIONS_1000_BAND = (0.53, 0.62)


def test_myonn_rotations_pipeline_on_1000_records(backend, myonn_records):
    """The rotations notebook's loop on 1000 records: nncore's rotate_inputs and train
    give the weights of the notebook's own loop (scipy.ndimage.rotate called per record,
    the notebook's arithmetic) bit for bit, and the performance lies in its band."""
    ndimage = pytest.importorskip("scipy.ndimage")
    (x_train, l_train), (x_test, l_test) = myonn_records
    x_train, l_train = x_train[:1000], l_train[:1000]
    n = _train_with_rotations(book.neuralNetwork(784, 200, 10, 0.01,
                                                 rng=np.random.RandomState(0)),
                              x_train, l_train, epochs=1)
    book_n = book.neuralNetwork(784, 200, 10, 0.01, rng=np.random.RandomState(0))
    for inputs, label in zip(x_train, l_train):
        targets = _myonn_targets(label)
        _notebook_train(book_n, inputs, targets)
        for angle in (10, -10):
            image = ndimage.rotate(inputs.reshape(28, 28), angle, cval=0.01, order=1,
                                   reshape=False)
            _notebook_train(book_n, image.reshape(784), targets)
    np.testing.assert_array_equal(n.who, book_n.who)
    np.testing.assert_array_equal(n.wih, book_n.wih)
    performance = _performance(n, x_test, l_test)
    assert MYONN_ROTATIONS_1000_BAND[0] <= performance <= MYONN_ROTATIONS_1000_BAND[1], \
        performance


# part3_neural_network_mnist_data_with_rotations.ipynb printed performance 0.9781 in
# 2016 (initial weights of another spread), 0.9754 in 2017 and 0.975 in 2024, all
# unseeded.  RandomState(0) gave 0.9776 on the compiled backend (one run, 374 s); no
# other seed was run.  The band holds the four with a margin of 0.005 each side.
MYONN_ROTATIONS_FULL_RUN_BAND = (0.970, 0.983)


@pytest.mark.slow
@pytest.mark.long
def test_myonn_rotations_full_run_lands_in_the_books_band(myonn_records):
    """The rotations notebook whole: 60000 records and their two rotations, 10 epochs,
    hidden 200, learning rate 0.01 (1.8 million train calls; on the backend nncore
    chose only).  Prints its performance as the notebook does (pytest -s shows it)."""
    pytest.importorskip("scipy.ndimage")
    (x_train, l_train), (x_test, l_test) = myonn_records
    n = _train_with_rotations(book.neuralNetwork(784, 200, 10, 0.01,
                                                 rng=np.random.RandomState(0)),
                              x_train, l_train, epochs=10)
    performance = _performance(n, x_test, l_test)
    print("performance = ", performance)
    assert MYONN_ROTATIONS_FULL_RUN_BAND[0] <= performance <= MYONN_ROTATIONS_FULL_RUN_BAND[1], \
        performance


# Stand-ins for the author's my_own_images/2828_my_own_<label>.png: the first test digit
# of each label, dark on white, 28 x 28, in 8-bit grey or, as the author's 2 to 6 are,
# RGB or RGBA.  The author's 3, 4 and 5 are not fully black; the notebook printed their
# maxima (0.97282356 for the 3 in its current run; 0.930118 and 0.868 in its 2017 run,
# float32 then printed to 6 digits), and the stand-ins for them are dimmed to give the
# same darkest pixels.
OWN_IMAGE_MODES = {2: "RGBA", 3: "RGB", 4: "RGB", 5: "RGB", 6: "RGBA"}
OWN_IMAGE_PRINTED_MAX = {3: (str, "0.97282356"), 4: ("{:.6g}".format, "0.930118"),
                         5: ("{:.6g}".format, "0.868")}
OWN_IMAGE_DARKEST = {3: 248, 4: 237, 5: 221}       # as MNIST pixel values
# A network of 100 hidden nodes, learning rate 0.3, trained 1 epoch on the first 2000
# training records, got 7 to 9 of the 10 stand-ins right with seeds 0 to 19 (8 with
# seed 0), on both backends.
OWN_IMAGES_MIN_RIGHT = 6


def test_myonn_reads_own_images_like_the_notebook(backend, tmp_path, mnist_dir, myonn_records):
    """part3_load_own_images.ipynb on stand-in PNGs: read as float grey (Pillow's mode
    "F", what the notebook's imageio.v3.imread(..., mode="F") returns), 255 minus each
    pixel, scaled / 255 * 0.99 + 0.01; then queried as part 3's own-data notebook does."""
    Image = pytest.importorskip("PIL.Image")
    test_pixels, test_labels = _raw_records(mnist_dir, "t10k")
    records = {}
    for label in range(10):
        pixels = test_pixels[np.flatnonzero(test_labels == label)[0]].astype(np.int64)
        if label in OWN_IMAGE_DARKEST:
            pixels = pixels * OWN_IMAGE_DARKEST[label] // pixels.max()
        records[label] = pixels.astype(np.uint8)
        grey = (255 - records[label]).reshape(28, 28)       # dark digit on white paper
        planes = {"RGB": [grey] * 3, "RGBA": [grey] * 3 + [np.full_like(grey, 255)]}
        mode = OWN_IMAGE_MODES.get(label, "L")
        image = Image.fromarray(np.stack(planes[mode], axis=-1) if mode in planes else grey)
        assert image.mode == mode
        image.save(tmp_path / f"2828_my_own_{label}.png")

    (x_train, l_train), _ = myonn_records
    n = book.neuralNetwork(784, 100, 10, 0.3, rng=np.random.RandomState(0))
    for inputs, label in zip(x_train[:2000], l_train[:2000]):
        n.train(inputs, _myonn_targets(label))

    right, read = 0, []
    for image_file_name in sorted(glob.glob(str(tmp_path / "2828_my_own_?.png"))):
        label = int(image_file_name[-5:-4])
        read.append(label)
        with Image.open(image_file_name) as image:
            img_array = np.asarray(image.convert("F"))
        img_data = 255.0 - img_array.reshape(784)
        img_data = (img_data / 255.0 * 0.99) + 0.01
        assert img_array.dtype == img_data.dtype == np.float32
        # the record's own scaling, in float32 exactly and in the notebooks' float64
        pixels = records[label]
        np.testing.assert_array_equal(
            img_data, pixels.astype(np.float32) / np.float32(255) * np.float32(0.99)
            + np.float32(0.01))
        np.testing.assert_allclose(img_data, pixels / 255.0 * 0.99 + 0.01, rtol=0, atol=1e-7)
        assert str(np.min(img_data)) == "0.01"
        form, printed = OWN_IMAGE_PRINTED_MAX.get(label, (str, "1.0"))
        assert form(np.max(img_data)) == printed, label
        record = np.append(label, img_data)
        outputs = n.query(record[1:])
        np.testing.assert_allclose(outputs, n.query(pixels / 255.0 * 0.99 + 0.01), rtol=1e-6)
        right += int(np.argmax(outputs) == label)
    assert read == list(range(10))
    assert OWN_IMAGES_MIN_RIGHT <= right <= 10, right


# ---------------------------------------------------------------- the book's accuracy

@pytest.fixture(scope="module")
def mnist_test(mnist_dir):
    x = _idx.read(os.path.join(mnist_dir, "t10k-images-idx3-ubyte.gz"))
    t = _idx.read(os.path.join(mnist_dir, "t10k-labels-idx1-ubyte.gz"))
    return (x.reshape(len(x), 784) / np.float32(255)).astype(np.float32), t


def test_book_weights_reach_0_9352(backend, reference_dir, mnist_test):
    x, t = mnist_test
    params = nncore.load_legacy_pickle(os.path.join(reference_dir, "sample_weight.pkl"))
    net = nncore.Network.from_params(params, activation="sigmoid", output="softmax")
    assert net.dtype == np.float32
    assert net.accuracy(x, t, batch_size=100) == 0.9352
    # one image at a time, as the book's first loop does
    hits = sum(int(np.argmax(net.predict(x[i])) == t[i]) for i in range(len(x)))
    assert hits / len(x) == 0.9352
