"""scikit-learn estimators trained by nncore: :class:`MLPClassifier` and :class:`MLPRegressor`.

They take scikit-learn's ``MLPClassifier``/``MLPRegressor`` parameters (same
names, same meanings, same defaults), so switching is one import::

    from nncore.sklearn import MLPClassifier   # instead of sklearn.neural_network

and they work wherever a scikit-learn estimator does: ``Pipeline``,
``GridSearchCV``, ``cross_val_score``, ``clone``, pickle.  This module needs
scikit-learn (``pip install "nncore-dlfs[sklearn]"``); ``import nncore`` never
imports it.

>>> from nncore.sklearn import MLPClassifier
>>> clf = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.05, random_state=0)
>>> X = [[0., 0.], [0., 1.], [1., 0.], [1., 1.]] * 25
>>> y = ["off", "on", "on", "on"] * 25
>>> clf.fit(X, y).predict([[0., 0.], [1., 1.]])
array(['off', 'on'], dtype='<U3')
"""
try:
    import sklearn  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("nncore.sklearn needs scikit-learn: pip install \"nncore-dlfs[sklearn]\""
                      ) from exc

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d, validate_data

from ._sklearn_base import _DTYPES, BaseMLP

__all__ = ["MLPClassifier", "MLPRegressor"]

_PARAMETERS = """
    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Width of each hidden layer; ``()`` gives a model without hidden layer.
    activation : {"relu", "tanh", "logistic", "identity"}, default="relu"
        Activation of the hidden layers (``"logistic"`` is nncore's ``"sigmoid"``).
    solver : {"adam", "sgd"}, default="adam"
        ``"adam"`` is :class:`nncore.Adam`; ``"sgd"`` is :class:`nncore.Momentum`
        (:class:`nncore.SGD` when ``momentum=0``).  scikit-learn's ``"lbfgs"`` is
        not offered.
    alpha : float, default=0.0001
        L2 penalty ``0.5 * alpha * ||W||² / batch`` as in scikit-learn, passed to the
        optimizer as ``weight_decay``; biases are not penalised.
    batch_size : int or "auto", default="auto"
        Samples per step; ``"auto"`` is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Schedule of ``solver="sgd"``: constant, ``learning_rate_init / (t + 1) **
        power_t`` after each epoch (``t`` samples seen), or divided by 5 each time
        the stopping rule fires (training stops once it is below 1e-6).
    learning_rate_init : float, default=0.001
        Step size.
    power_t : float, default=0.5
        Exponent of the ``"invscaling"`` schedule.
    max_iter : int, default=200
        Epochs (passes over the training data) at most.
    shuffle : bool, default=True
        Visit the samples in a new random order each epoch.
    random_state : None, int or numpy.random.RandomState, default=None
        Seeds the initial weights, the validation split and the shuffling: the same
        seed and backend give the same model.
    tol : float, default=1e-4
        Improvement the stopping rule asks for.
    verbose : bool, default=False
        Print the loss after each epoch.
    warm_start : bool, default=False
        ``fit`` continues from the current weights instead of starting afresh.
    momentum : float, default=0.9
        Momentum of ``solver="sgd"``, in ``[0, 1)``.
    nesterovs_momentum : bool, default=True
        Nesterov's momentum for ``solver="sgd"``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its score has not
        improved by ``tol`` for ``n_iter_no_change`` epochs, and keep the best weights.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's decay rates.
    epsilon : float, default=1e-8
        Adam's denominator constant.
    n_iter_no_change : int, default=10
        Epochs without an improvement of ``tol`` (training loss, or validation score
        with early stopping) before training stops."""

_ATTRIBUTES = """
    loss_ : float
        Training loss of the last epoch (scikit-learn's loss, with the L2 penalty).
    loss_curve_ : list of float
        The loss of every epoch.
    best_loss_ : float or None
        Lowest training loss (None with early stopping).
    validation_scores_ : list of float or None
        Score on the held-out data after each epoch (early stopping only).
    best_validation_score_ : float or None
        Best of ``validation_scores_``.
    t_ : int
        Training samples seen.
    n_iter_ : int
        Epochs run by the last ``fit`` (1 after ``partial_fit``).
    coefs_ : list of numpy.ndarray
        Weight matrices ``(n_in, n_out)``, views of the network's arrays.
    intercepts_ : list of numpy.ndarray
        Bias vectors, views of the network's arrays.
    network_ : nncore.Network
        The trained network (float32 when fitted on float32 data).
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : numpy.ndarray
        Column names seen in fit (only when ``X`` had string column names).
    n_layers_ : int
        Layers, counting the input and the output.
    n_outputs_ : int
        Output units."""


class MLPClassifier(ClassifierMixin, BaseMLP):
    __doc__ = """A multi-layer perceptron classifier trained by nncore.

    scikit-learn's ``MLPClassifier`` interface: softmax output and cross-entropy
    for several classes, one sigmoid unit for two, one sigmoid per label for
    multi-label targets.  Labels may be of any type (strings too); ``X`` that is
    float32 trains and predicts in float32.
    """ + _PARAMETERS + """

    Attributes
    ----------
    classes_ : numpy.ndarray
        The class labels.
    out_activation_ : str
        ``"softmax"`` or ``"logistic"``.""" + _ATTRIBUTES + """

    Examples
    --------
    >>> import numpy as np
    >>> from nncore.sklearn import MLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 4))
    >>> y = np.where(X[:, 0] + X[:, 1] > 0, "up", "down")
    >>> clf = MLPClassifier(hidden_layer_sizes=(16,), tol=1e-3, max_iter=500,
    ...                     random_state=0).fit(X, y)
    >>> clf.classes_
    array(['down', 'up'], dtype='<U4')
    >>> clf.score(X, y) > 0.95
    True
    >>> clf.predict_proba(X[:3]).sum(axis=1).round(6)
    array([1., 1., 1.])
    >>> [W.shape for W in clf.coefs_]
    [(4, 16), (16, 1)]
    """

    def fit(self, X, y):
        """Train on ``X`` ``(n_samples, n_features)`` and labels ``y`` ``(n_samples,)``
        (or a label-indicator matrix for multi-label); returns ``self``."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y, classes=None):
        """One epoch over ``(X, y)``, continuing from the current weights.

        ``classes`` (every label the model will see) is needed on the first call.
        """
        if not hasattr(self, "classes_") or not self.__sklearn_is_fitted__():
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                binarizer.fit(y)
            else:
                binarizer.fit(classes)
            self._label_binarizer, self.classes_ = binarizer, binarizer.classes_
        elif classes is not None and not np.array_equal(self.classes_, unique_labels(classes)):
            raise ValueError(f"classes={classes!r} differs from the classes of the first "
                             f"call to partial_fit, {self.classes_!r}")
        return self._fit(X, y, incremental=True)

    def predict(self, X):
        """The predicted label of each row of ``X``."""
        return self._labels_of(self._forward(X))

    def predict_proba(self, X):
        """Class probabilities ``(n_samples, n_classes)``, columns in ``classes_`` order."""
        return self._proba_of(self._forward(X))

    def predict_log_proba(self, X):
        """The logarithm of :meth:`predict_proba`."""
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

    def _labels_of(self, out):
        if self.out_activation_ == "softmax":
            return self.classes_[np.argmax(out, axis=1)]
        return self._label_binarizer.inverse_transform(out.ravel() if out.shape[1] == 1 else out)

    def _proba_of(self, out):
        if out.shape[1] != 1:
            return out
        proba = np.empty((out.shape[0], 2), out.dtype)
        proba[:, 1] = out[:, 0]
        np.subtract(1, out[:, 0], out=proba[:, 0])
        return proba

    def _validate_targets(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, multi_output=True, dtype=_DTYPES, reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and set(classes) != set(self.classes_):
                raise ValueError("warm_start can only be used where y has the same classes as "
                                 f"in the previous call to fit: previously {self.classes_}, "
                                 f"now {classes}")
            if len(np.setdiff1d(classes, self.classes_)):
                raise ValueError(f"y has classes not in self.classes_ ({self.classes_}): "
                                 f"{classes}")
        return X, self._label_binarizer.transform(y).astype(bool)

    def _output(self, Y):
        if self._label_binarizer.y_type_ == "multiclass":
            return "softmax", "softmax"
        return "sigmoid", "logistic"

    def _targets(self, Y):
        if self.out_activation_ == "softmax":
            return np.argmax(Y, axis=1)
        return Y.astype(self._network.dtype)

    def _stratify(self, Y):
        return Y if Y.shape[1] == 1 else None  # as scikit-learn: two classes only

    def _validation_targets(self, Y):
        return self._label_binarizer.inverse_transform(Y)

    def _score(self, X, y):
        return self._score_safely(X, y, accuracy_score,
                                  lambda X: self._labels_of(self._network.predict(X)))

    _loss_scale = 1.0

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = """A multi-layer perceptron regressor trained by nncore.

    scikit-learn's ``MLPRegressor`` interface: identity output, squared error
    (scikit-learn's ``0.5 * mean`` over samples and outputs), one or several
    outputs.  ``X`` that is float32 trains and predicts in float32.

    Parameters
    ----------
    loss : {"squared_error"}, default="squared_error"
        The loss; scikit-learn's ``"poisson"`` is not offered.""" + \
        _PARAMETERS.split("----------", 1)[1] + """

    Attributes
    ----------
    out_activation_ : str
        ``"identity"``.""" + _ATTRIBUTES + """

    Examples
    --------
    >>> import numpy as np
    >>> from nncore.sklearn import MLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, (400, 2)).astype(np.float32)
    >>> y = X[:, 0] ** 2 - X[:, 1]
    >>> reg = MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=300,
    ...                    random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).dtype
    dtype('float32')
    >>> reg.score(X, y) > 0.95
    True
    """

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver,
            alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change)
        self.loss = loss

    def fit(self, X, y):
        """Train on ``X`` ``(n_samples, n_features)`` and targets ``y`` ``(n_samples,)`` or
        ``(n_samples, n_outputs)``; returns ``self``."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y):
        """One epoch over ``(X, y)``, continuing from the current weights."""
        return self._fit(X, y, incremental=True)

    def predict(self, X):
        """Predictions ``(n_samples,)``, or ``(n_samples, n_outputs)`` for several outputs."""
        out = self._forward(X)
        return out.ravel() if out.shape[1] == 1 else out

    def _validate_targets(self, X, y, incremental, reset):
        if self.loss != "squared_error":
            raise ValueError(f"loss must be 'squared_error'; got {self.loss!r}")
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=_DTYPES,
                             reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y.reshape(-1, 1) if y.ndim == 1 else y

    def _output(self, Y):
        return "identity", "identity"

    def _targets(self, Y):
        return Y

    def _stratify(self, Y):
        return None

    def _validation_targets(self, Y):
        return Y

    def _score(self, X, y):
        return self._score_safely(X, y, r2_score, self._network.predict)

    @property
    def _loss_scale(self):
        # the reported loss: nncore's squared error sums over the outputs, scikit-learn's
        # averages them (both take the gradient of the sum)
        return float(self.n_outputs_)
