"""Weights in from scikit-learn and PyTorch, in and out of ONNX.

Every round trip is compared with the source library's own outputs on random
inputs: max abs difference <= 1e-6 in float64 and 1e-5 in float32.  Each library
is optional: its tests skip when it is not installed.
"""
import importlib.util
import io
import warnings

import numpy as np
import pytest

import nncore

TOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-6}
HIDDEN = ["identity", "logistic", "tanh", "relu"]


def _close(got, expected, dtype):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape
    assert np.abs(got.astype(np.float64) - expected).max(initial=0.0) <= TOL[np.dtype(dtype)]


def _inputs(n, n_in, dtype, seed=1):
    return np.random.default_rng(seed).normal(size=(n, n_in)).astype(dtype)


def _awkward(x):
    """The same rows as a non-contiguous view and as a read-only array."""
    wide = np.zeros((x.shape[0], 2 * x.shape[1]), x.dtype)
    wide[:, ::2] = x
    frozen = x.copy()
    frozen.flags.writeable = False
    return wide[:, ::2], frozen


def _check_inputs(net, x, expected, dtype):
    """``net`` matches ``expected`` on ``x``, its awkward copies, one row and an empty batch."""
    _close(net.predict(x), expected, dtype)
    for variant in _awkward(x):
        _close(net.predict(variant), expected, dtype)
    _close(net.predict(x[0]), expected[0], dtype)
    assert net.predict(x[:0]).shape == (0, expected.shape[1])
    assert net.predict(x).dtype == dtype


# ---------------------------------------------------------------- scikit-learn

def _fit(estimator, X, y):
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_from_sklearn_classifier_matches_predict_proba(backend, dtype, activation, n_classes):
    neural = pytest.importorskip("sklearn.neural_network")
    X = _inputs(80, 5, dtype)
    y = np.random.default_rng(2).integers(0, n_classes, 80)
    mlp = _fit(neural.MLPClassifier(hidden_layer_sizes=(7, 6), activation=activation,
                                    max_iter=30, random_state=0), X, y)
    net = nncore.Network.from_sklearn(mlp)
    assert net.dtype == dtype and net.sizes == [5, 7, 6, n_classes]
    assert net.output == "softmax"
    x = _inputs(40, 5, dtype, seed=3)
    _check_inputs(net, x, mlp.predict_proba(x), dtype)
    np.testing.assert_array_equal(mlp.classes_[net.classify(x)], mlp.predict(x))


def test_from_sklearn_string_labels_and_multilabel(backend, dtype):
    neural = pytest.importorskip("sklearn.neural_network")
    X = _inputs(60, 4, dtype)
    rng = np.random.default_rng(4)
    labels = np.array(["cat", "dog", "emu"])[rng.integers(0, 3, 60)]
    mlp = _fit(neural.MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0),
               X, labels)
    net = nncore.Network.from_sklearn(mlp)
    np.testing.assert_array_equal(mlp.classes_[net.classify(X)], mlp.predict(X))
    Y = rng.integers(0, 2, (60, 3))
    multi = _fit(neural.MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0), X, Y)
    net = nncore.Network.from_sklearn(multi)
    assert net.output == "sigmoid" and net.sizes[-1] == 3
    _check_inputs(net, X, multi.predict_proba(X), dtype)


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_from_sklearn_regressor_matches_predict(backend, dtype, n_outputs):
    neural = pytest.importorskip("sklearn.neural_network")
    X = _inputs(70, 3, dtype)
    y = X @ np.arange(3 * n_outputs).reshape(3, n_outputs) + 0.5
    mlp = _fit(neural.MLPRegressor(hidden_layer_sizes=(6,), activation="tanh", max_iter=50,
                                   random_state=0), X, y.ravel() if n_outputs == 1 else y)
    net = nncore.Network.from_sklearn(mlp)
    assert net.output == "identity" and net.dtype == dtype
    x = _inputs(30, 3, dtype, seed=5)
    _check_inputs(net, x, mlp.predict(x).reshape(30, n_outputs), dtype)


def test_from_sklearn_refusals():
    sklearn = pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    with pytest.raises(TypeError, match="LogisticRegression"):
        nncore.Network.from_sklearn(LogisticRegression())
    with pytest.raises(TypeError, match="dict"):
        nncore.Network.from_sklearn({})
    with pytest.raises(ValueError, match="MLPClassifier is not fitted"):
        nncore.Network.from_sklearn(MLPClassifier())
    X = _inputs(30, 3, np.float64)
    y = np.abs(X[:, 0]) + 0.1
    try:
        poisson = MLPRegressor(hidden_layer_sizes=(4,), loss="poisson", max_iter=5,
                               random_state=0)
    except TypeError:  # scikit-learn without the Poisson loss
        pytest.skip(f"scikit-learn {sklearn.__version__} has no Poisson MLPRegressor")
    _fit(poisson, X, y)
    with pytest.raises(ValueError, match="out_activation_='exp' is not supported"):
        nncore.Network.from_sklearn(poisson)


# ---------------------------------------------------------------- PyTorch

def _torch_out(module, x):
    torch = pytest.importorskip("torch")
    with torch.no_grad():
        return module(torch.from_numpy(np.ascontiguousarray(x))).numpy()


def _sequential(torch, dtype, *layers):
    model = torch.nn.Sequential(*layers)
    return model.double() if dtype == np.float64 else model


@pytest.mark.parametrize("hidden", ["ReLU", "Sigmoid", "Tanh", "Identity"])
@pytest.mark.parametrize("end", [None, "Softmax", "Sigmoid"])
def test_from_torch_matches_module(backend, dtype, hidden, end):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    layers = [torch.nn.Linear(6, 9), getattr(torch.nn, hidden)(), torch.nn.Linear(9, 8),
              getattr(torch.nn, hidden)(), torch.nn.Linear(8, 4)]
    if end == "Softmax":
        layers.append(torch.nn.Softmax(dim=-1))
    elif end == "Sigmoid":
        layers.append(torch.nn.Sigmoid())
    model = _sequential(torch, dtype, *layers)
    net = nncore.Network.from_torch(model)
    assert net.sizes == [6, 9, 8, 4] and net.dtype == dtype
    assert net.output == {None: "identity", "Softmax": "softmax", "Sigmoid": "sigmoid"}[end]
    x = _inputs(25, 6, dtype)
    _check_inputs(net, x, _torch_out(model, x), dtype)


def test_from_torch_without_bias_and_with_identity_layers(backend, dtype):
    torch = pytest.importorskip("torch")
    torch.manual_seed(1)
    model = _sequential(torch, dtype, torch.nn.Identity(), torch.nn.Linear(3, 5, bias=False),
                        torch.nn.Tanh(), torch.nn.Identity(), torch.nn.Linear(5, 2),
                        torch.nn.ReLU(), torch.nn.Sigmoid(), torch.nn.Identity())
    net = nncore.Network.from_torch(model)
    assert net.activations == ["tanh", "relu"] and net.output == "sigmoid"
    x = _inputs(12, 3, dtype)
    _check_inputs(net, x, _torch_out(model, x), dtype)


def test_from_torch_refusals():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    cases = [
        (nn.Linear(3, 2), TypeError, "torch.nn.Sequential"),
        (nn.Sequential(nn.Linear(3, 4), nn.Dropout(), nn.Linear(4, 2)), TypeError,
         r"layer 1 \('1': Dropout\) is not supported"),
        (nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU()), TypeError,
         r"layer 1 \('1': LeakyReLU\)"),
        (nn.Sequential(nn.ReLU(), nn.Linear(3, 4)), ValueError, "before any Linear"),
        (nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Tanh()), ValueError,
         r"layer 2 \('2': Tanh\) follows another activation"),
        (nn.Sequential(nn.Linear(3, 4), nn.Softmax(dim=0)), ValueError, "dim=0"),
        (nn.Sequential(nn.Linear(3, 4), nn.Softmax(dim=-1), nn.Linear(4, 2)), ValueError,
         "Softmax is only supported as the output|follows the output"),
        (nn.Sequential(nn.Linear(3, 4), nn.Linear(5, 2)), ValueError, "takes 5 inputs"),
        (nn.Sequential(nn.Linear(3, 4).half()), TypeError, "float16"),
        (nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2).double()), TypeError, "mixes dtypes"),
        (nn.Sequential(), ValueError, "no Linear layer"),
        (nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.ReLU())), TypeError, "Sequential"),
    ]
    for model, error, message in cases:
        with pytest.raises(error, match=message):
            nncore.Network.from_torch(model)


# ---------------------------------------------------------------- ONNX out

def _session(path):
    ort = pytest.importorskip("onnxruntime")
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _random_net(dtype, activation, output, sizes=(5, 7, 6, 3), seed=0):
    net = nncore.Network.init(list(sizes), activation=activation, output=output,
                              weight_init="xavier", dtype=dtype, rng=seed)
    rng = np.random.default_rng(seed)
    for layer in net.layers:
        layer.b = rng.normal(size=layer.n_out)
    return net


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "identity"])
@pytest.mark.parametrize("output", ["softmax", "sigmoid", "identity"])
def test_to_onnx_runs_in_onnxruntime_and_reads_back(backend, dtype, activation, output,
                                                    tmp_path):
    pytest.importorskip("onnx")
    net = _random_net(dtype, activation, output)
    path = tmp_path / "net.onnx"
    net.to_onnx(path)
    x = _inputs(20, 5, dtype)
    (expected,) = _session(path).run(None, {"input": x})
    assert expected.dtype == dtype
    _close(net.predict(x), expected, dtype)
    back = nncore.load_onnx(path)
    assert back.sizes == net.sizes and back.dtype == dtype
    _check_inputs(back, x, expected, dtype)
    for key, value in net.params.items():
        np.testing.assert_array_equal(back.params[key], value)


def test_to_onnx_is_atomic_and_checks_its_arguments(tmp_path):
    pytest.importorskip("onnx")
    path = tmp_path / "net.onnx"
    path.write_bytes(b"earlier file")
    net = nncore.Network.init([3, 2], rng=0)
    net.layers[0].activation = "step"
    with pytest.raises(ValueError, match="'step' activation"):
        net.to_onnx(path)
    assert path.read_bytes() == b"earlier file"
    assert [p.name for p in tmp_path.iterdir()] == ["net.onnx"]
    net.layers[0].activation = "identity"
    with pytest.raises(ValueError, match="input_name and output_name must differ"):
        net.to_onnx(path, input_name="x", output_name="x")
    with pytest.raises(ValueError, match="uses for its own tensors"):
        net.to_onnx(path, input_name="W1")
    with pytest.raises(TypeError, match="nncore.Network"):
        nncore.Network.to_onnx("not a network", path)
    net.to_onnx(path, input_name="pixels", output_name="scores")
    (out,) = _session(path).run(["scores"], {"pixels": np.ones((2, 3))})
    _close(net.predict(np.ones((2, 3))), out, np.float64)


# ---------------------------------------------------------------- ONNX in

def _torch_exporters():
    modes = [False]
    if importlib.util.find_spec("onnxscript") is not None:
        modes.append(True)
    return modes


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("end", [None, "Softmax", "Sigmoid"])
def test_load_onnx_from_torch_export(backend, dtype, dynamo, end, tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    if dynamo and not _torch_exporters()[-1]:
        pytest.skip("the dynamo exporter needs onnxscript")
    torch.manual_seed(2)
    layers = [torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 5, bias=False),
              torch.nn.Tanh(), torch.nn.Linear(5, 3)]
    if end:
        layers.append(torch.nn.Softmax(dim=-1) if end == "Softmax" else torch.nn.Sigmoid())
    model = _sequential(torch, dtype, *layers).eval()
    path = tmp_path / "torch.onnx"
    example = torch.zeros(2, 4, dtype=torch.float64 if dtype == np.float64 else torch.float32)
    with warnings.catch_warnings(), io.StringIO() as sink:
        warnings.simplefilter("ignore")
        import contextlib

        with contextlib.redirect_stdout(sink):
            torch.onnx.export(model, (example,), str(path), dynamo=dynamo, input_names=["x"],
                              output_names=["y"],
                              **({} if dynamo else {"dynamic_axes": {"x": {0: "batch"}}}))
    net = nncore.load_onnx(path)
    assert net.sizes == [4, 6, 5, 3] and net.dtype == dtype
    x = _inputs(9, 4, dtype)
    _check_inputs(net, x, _torch_out(model, x), dtype)


def _skl2onnx(model, X, **options):
    skl2onnx = pytest.importorskip("skl2onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return skl2onnx.to_onnx(model, X[:1], **options).SerializeToString()


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("zipmap", [True, False])
def test_load_onnx_from_skl2onnx_classifier(backend, dtype, n_classes, zipmap, tmp_path):
    neural = pytest.importorskip("sklearn.neural_network")
    X = _inputs(60, 5, dtype)
    y = np.random.default_rng(6).integers(0, n_classes, 60)
    mlp = _fit(neural.MLPClassifier(hidden_layer_sizes=(8,), activation="tanh", max_iter=30,
                                    random_state=0), X, y)
    options = {} if zipmap else {"options": {"zipmap": False}}
    path = tmp_path / "skl.onnx"
    path.write_bytes(_skl2onnx(mlp, X, **options))
    net = nncore.load_onnx(path)
    assert net.output == "softmax" and net.sizes == [5, 8, n_classes]
    x = _inputs(30, 5, dtype, seed=7)
    _check_inputs(net, x, mlp.predict_proba(x), dtype)


def test_load_onnx_from_skl2onnx_regressor(backend, dtype, tmp_path):
    neural = pytest.importorskip("sklearn.neural_network")
    X = _inputs(60, 3, dtype)
    mlp = _fit(neural.MLPRegressor(hidden_layer_sizes=(6, 4), max_iter=40, random_state=0),
               X, X.sum(axis=1))
    path = tmp_path / "skl.onnx"
    path.write_bytes(_skl2onnx(mlp, X))
    net = nncore.load_onnx(path)
    assert net.output == "identity" and net.dtype == dtype
    x = _inputs(30, 3, dtype, seed=8)
    _check_inputs(net, x, mlp.predict(x).reshape(30, 1), dtype)


def test_load_onnx_output_choice(tmp_path):
    onnx = pytest.importorskip("onnx")
    net = _random_net(np.float64, "relu", "softmax")
    model = onnx.load_from_string(_to_bytes(net))
    extra = onnx.helper.make_tensor_value_info("z2", onnx.TensorProto.DOUBLE, ["batch", 6])
    model.graph.output.append(extra)
    path = tmp_path / "two.onnx"
    path.write_bytes(model.SerializeToString())
    with pytest.raises(nncore.NetworkFileError, match="several float outputs"):
        nncore.load_onnx(path)
    hidden = nncore.load_onnx(path, output="z2")
    assert hidden.sizes == [5, 7, 6] and hidden.output == "identity"
    x = _inputs(4, 5, np.float64)
    (expected,) = _session(path).run(["z2"], {"input": x})
    _close(hidden.predict(x), expected, np.float64)
    with pytest.raises(nncore.NetworkFileError, match="no output 'nope'"):
        nncore.load_onnx(path, output="nope")
    with pytest.raises(TypeError, match="output must be"):
        nncore.load_onnx(path, output=3)


def _to_bytes(net):
    from nncore._onnx_write import build_model

    return build_model(net).SerializeToString()


# ---------------------------------------------------------------- command line

def test_cli_evaluates_an_onnx_model(tmp_path):
    pytest.importorskip("onnx")
    from .test_cli import run

    offline = {"NNCORE_DATA": str(tmp_path / "no-data"),
               "NNCORE_MNIST_MIRRORS": "http://127.0.0.1:9/"}
    nncore.pretrained.mnist().to_onnx(tmp_path / "mnist.onnx")
    a = run("evaluate", "--model", "mnist.onnx", cwd=tmp_path, env=offline)
    b = run("evaluate", cwd=tmp_path, env=offline)
    assert a.returncode == 0, a.stderr
    assert "model:      mnist.onnx" in a.stdout
    pick = [l for l in a.stdout.splitlines() if l.startswith("accuracy")]
    assert pick == [l for l in b.stdout.splitlines() if l.startswith("accuracy")]
    (tmp_path / "junk.onnx").write_bytes(b"\x08\x07junk")
    res = run("evaluate", "--model", "junk.onnx", cwd=tmp_path, env=offline)
    assert res.returncode == 1 and "not an ONNX model nncore can read" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
