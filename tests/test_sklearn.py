"""nncore.sklearn's estimators: scikit-learn's own MLPs as the oracle, its tools
(Pipeline, GridSearchCV, cross_val_score, clone, pickle), dtypes and inputs."""
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="needs the sklearn extra: pip install \"nncore-dlfs[sklearn]\"")

from sklearn import neural_network as sknn  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from nncore.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n=120, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 5)).astype(dtype)
    labels = np.array(["cat", "dog", "emu"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    Y = np.column_stack([X[:, 0] * X[:, 1], np.sin(X[:, 2]), X[:, 3]])
    return X, labels, Y


def _weights(est):
    return est.coefs_ + est.intercepts_


# ------------------------------------------------------------ scikit-learn as the oracle

SETTINGS = [
    dict(solver="adam"),
    dict(solver="adam", early_stopping=True, validation_fraction=0.25),
    dict(solver="sgd"),
    dict(solver="sgd", nesterovs_momentum=False),
    dict(solver="sgd", momentum=0.0, learning_rate="invscaling"),
    dict(solver="sgd", learning_rate="adaptive", tol=0.5, n_iter_no_change=2),
    dict(solver="sgd", shuffle=False, early_stopping=True),
]
TARGETS = {"multiclass": lambda X, y, Y: y, "binary": lambda X, y, Y: y == "cat",
           "multilabel": lambda X, y, Y: Y > 0, "regression": lambda X, y, Y: Y[:, 0],
           "multi-output": lambda X, y, Y: Y}


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(map(str, s.values())))
def test_same_seed_trains_as_scikit_learn(backend, target, settings):
    """One random_state gives scikit-learn's initial weights, split, batches and steps:
    the fitted weights and every epoch's loss agree to rounding (batch 35 leaves a
    smaller last batch, whose L2 step scikit-learn scales by its own size)."""
    X, y, Y = _data()
    t = TARGETS[target](X, y, Y)
    params = dict(hidden_layer_sizes=(7, 6), activation="tanh", batch_size=35, max_iter=12,
                  alpha=0.01, random_state=3, **settings)
    regress = target in ("regression", "multi-output")
    ours = (MLPRegressor if regress else MLPClassifier)(**params).fit(X, t)
    theirs = (sknn.MLPRegressor if regress else sknn.MLPClassifier)(**params).fit(X, t)
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_
    assert ours.out_activation_ == theirs.out_activation_
    assert ours.n_layers_ == theirs.n_layers_ and ours.n_outputs_ == theirs.n_outputs_
    for a, b in zip(_weights(ours), _weights(theirs)):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    if settings.get("early_stopping"):
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_)
        assert ours.best_validation_score_ == pytest.approx(theirs.best_validation_score_)
        assert ours.best_loss_ is None
    else:
        assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-9)
        assert ours.validation_scores_ is None
    if regress:
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9, atol=1e-11)
    else:
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-11)
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
        np.testing.assert_array_equal(ours.classes_, theirs.classes_)


def test_partial_fit_steps_as_scikit_learn(backend):
    X, y, _ = _data()
    ours, theirs = MLPClassifier(random_state=1), sknn.MLPClassifier(random_state=1)
    for start in (0, 40, 80):
        for est in (ours, theirs):
            est.partial_fit(X[start:start + 40], y[start:start + 40], classes=np.unique(y))
    for a, b in zip(_weights(ours), _weights(theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)
    assert ours.n_iter_ == 1 and ours.t_ == theirs.t_ == 120


# ------------------------------------------------------------ dtypes and inputs


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_float32_stays_float32(backend, dtype, Est):
    X, y, Y = _data(dtype=dtype)
    est = Est(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    est.fit(X, y if Est is MLPClassifier else Y)
    assert est.network_.dtype == dtype
    assert all(a.dtype == dtype for a in _weights(est))
    out = est.predict_proba(X) if Est is MLPClassifier else est.predict(X)
    assert out.dtype == dtype


def test_float32_training_follows_float64(backend):
    X, y, _ = _data()
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    f64 = MLPClassifier(**params).fit(X, y)
    f32 = MLPClassifier(**params).fit(X.astype(np.float32), y)
    for a, b in zip(_weights(f32), _weights(f64)):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_non_contiguous_and_read_only_inputs(backend, dtype, Est):
    X, y, Y = _data(dtype=dtype)
    t = y if Est is MLPClassifier else Y
    wide = np.repeat(X, 2, axis=1)[:, ::2]  # a strided view holding X's values
    assert not wide.flags.c_contiguous
    frozen_X, frozen_t = X.copy(), t.copy()
    frozen_X.setflags(write=False)
    frozen_t.setflags(write=False)
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    reference = Est(**params).fit(X, t)
    for XX, tt in ((wide, t), (frozen_X, frozen_t), (np.asfortranarray(X), t)):
        est = Est(**params).fit(XX, tt)
        for a, b in zip(_weights(est), _weights(reference)):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(est.predict(XX), reference.predict(X))


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_empty_batches_are_refused(backend, Est):
    X, y, Y = _data()
    t = y if Est is MLPClassifier else Y
    with pytest.raises(ValueError, match="0 sample"):
        Est(max_iter=2).fit(X[:0], t[:0])
    est = Est(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, t)
    with pytest.raises(ValueError, match="0 sample"):
        est.predict(X[:0])


# ------------------------------------------------------------ classifier conventions


def test_string_labels_and_probabilities(backend, dtype):
    X, y, _ = _data(dtype=dtype)
    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=50, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, ["cat", "dog", "emu"])
    assert set(clf.predict(X)) <= set(clf.classes_)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3) and np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[np.argmax(proba, axis=1)])
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-6)
    assert clf.score(X, y) == np.mean(clf.predict(X) == y)


def test_binary_and_multilabel_shapes(backend):
    X, y, Y = _data()
    binary = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y == "cat")
    assert binary.out_activation_ == "logistic" and binary.coefs_[-1].shape == (5, 1)
    proba = binary.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(binary.predict(X), proba[:, 1] > 0.5)
    multilabel = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, Y > 0)
    assert multilabel.predict(X).shape == (len(X), 3)
    assert multilabel.predict_proba(X).shape == (len(X), 3)


def test_partial_fit_needs_classes_first_and_accepts_subsets(backend):
    X, y, _ = _data()
    clf = MLPClassifier(hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y == "cat"], y[y == "cat"], classes=["cat", "dog", "emu"])
    assert clf.coefs_[-1].shape == (4, 3)
    clf.partial_fit(X[y == "dog"], y[y == "dog"])
    with pytest.raises(ValueError, match="not in self.classes_"):
        clf.partial_fit(X, np.where(y == "cat", "yak", y))
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X, y, classes=["cat", "dog"])
    with pytest.raises(ValueError, match="early_stopping"):
        clf.set_params(early_stopping=True).partial_fit(X, y)


def test_warm_start_continues_from_the_weights(backend):
    X, y, _ = _data()
    params = dict(hidden_layer_sizes=(6,), max_iter=3, random_state=0)
    warm = MLPClassifier(warm_start=True, **params).fit(X, y)
    before = [a.copy() for a in _weights(warm)]
    warm.fit(X, y)
    assert len(warm.loss_curve_) == 6
    cold = MLPClassifier(**params).fit(X, y)
    for a, b in zip(before, _weights(cold)):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(before, _weights(warm)))
    cold.fit(X, y)  # without warm_start, fit starts afresh
    assert len(cold.loss_curve_) == 3
    with pytest.raises(ValueError, match="same classes"):
        warm.fit(X[y != "emu"], y[y != "emu"])


# ------------------------------------------------------------ scikit-learn's tools


def test_pipeline_grid_search_and_cross_validation(backend):
    X, y, _ = _data(n=150)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=30, random_state=0))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and np.all((0 <= scores) & (scores <= 1))
    grid = GridSearchCV(pipe, {"mlpclassifier__hidden_layer_sizes": [(4,), (16,)],
                               "mlpclassifier__alpha": [1e-4, 1e-1]}, cv=3).fit(X, y)
    assert set(grid.best_params_) == {"mlpclassifier__hidden_layer_sizes",
                                      "mlpclassifier__alpha"}
    assert grid.best_estimator_[-1].n_features_in_ == 5
    np.testing.assert_array_equal(grid.predict(X), grid.best_estimator_.predict(X))
    reg = cross_val_score(MLPRegressor(max_iter=30, random_state=0), X, X[:, 0] - X[:, 1], cv=3)
    assert reg.shape == (3,) and np.all(np.isfinite(reg))


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_clone_and_pickle(backend, Est):
    X, y, Y = _data()
    t = y if Est is MLPClassifier else Y
    est = Est(hidden_layer_sizes=(6,), max_iter=4, random_state=0).fit(X, t)
    copy = clone(est)
    assert copy.get_params() == est.get_params() and not hasattr(copy, "n_features_in_")
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    # the optimizer's state travels too: continuing gives the same weights
    est.partial_fit(X, t)
    restored.partial_fit(X, t)
    for a, b in zip(_weights(restored), _weights(est)):
        np.testing.assert_array_equal(a, b)


def test_parameter_names_are_scikit_learns():
    theirs_c = set(sknn.MLPClassifier().get_params())
    theirs_r = set(sknn.MLPRegressor().get_params())
    assert set(MLPClassifier().get_params()) == theirs_c - {"max_fun"}
    assert set(MLPRegressor().get_params()) == theirs_r - {"max_fun"}
    for name, value in MLPClassifier().get_params().items():
        assert value == sknn.MLPClassifier().get_params()[name], name


def test_feature_names_are_kept(backend):
    pd = pytest.importorskip("pandas")
    X, y, _ = _data()
    frame = pd.DataFrame(X, columns=list("abcde"))
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(frame, y)
    np.testing.assert_array_equal(clf.feature_names_in_, list("abcde"))
    assert clf.n_features_in_ == 5
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)


def test_n_features_in_and_wrong_widths(backend):
    X, y, _ = _data()
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    assert clf.n_features_in_ == 5 and not hasattr(clf, "feature_names_in_")
    with pytest.raises(ValueError, match="X has 4 features"):
        clf.predict(X[:, :4])


# ------------------------------------------------------------ validation and messages


@pytest.mark.parametrize("name, value, message", [
    ("hidden_layer_sizes", (10, 0), "hidden_layer_sizes must be"),
    ("activation", "softplus", "activation must be one of"),
    ("solver", "lbfgs", "no 'lbfgs'"),
    ("alpha", -1.0, "alpha must be"),
    ("batch_size", 0, "batch_size must be"),
    ("learning_rate", "cyclic", "learning_rate must be"),
    ("learning_rate_init", 0.0, "learning_rate_init must be"),
    ("max_iter", 0, "max_iter must be"),
    ("momentum", 1.0, "momentum must be"),
    ("validation_fraction", 1.0, "validation_fraction must be"),
    ("beta_2", 1.0, "beta_2 must be"),
    ("epsilon", 0.0, "epsilon must be"),
    ("n_iter_no_change", 0, "n_iter_no_change must be"),
    ("shuffle", "yes", "shuffle must be True or False"),
])
def test_bad_parameters_are_named_at_fit(name, value, message):
    X, y, _ = _data(n=20)
    clf = MLPClassifier().set_params(**{name: value})  # storing never raises
    assert clf.get_params()[name] == value
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)


def test_regressor_refuses_poisson():
    X, _, Y = _data(n=20)
    with pytest.raises(ValueError, match="squared_error"):
        MLPRegressor(loss="poisson").fit(X, Y)


def test_unfitted_and_warnings():
    X, y, _ = _data(n=20)
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(X)
    assert not hasattr(MLPClassifier(), "coefs_")
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        with warnings.catch_warnings():
            warnings.simplefilter("default", ConvergenceWarning)
            MLPClassifier(max_iter=1).fit(X, y)
    with pytest.warns(UserWarning, match="clipped"):
        MLPClassifier(batch_size=50, max_iter=1).fit(X, y)


def test_verbose_prints_the_loss(capsys):
    X, y, _ = _data(n=20)
    clf = MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, verbose=True).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"Iteration {i}, loss = {loss:.8f}"
                     for i, loss in enumerate(clf.loss_curve_, start=1)]


def test_importing_nncore_does_not_import_scikit_learn(tmp_path):
    code = "import sys, nncore; sys.exit('sklearn' in sys.modules)"
    # run outside the source checkout, so that the installed nncore is imported
    assert subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path)).returncode == 0
