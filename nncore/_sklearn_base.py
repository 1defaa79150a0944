"""What nncore's scikit-learn classifier and regressor share: the hyper-parameters,
the initial weights, and the epoch loop around :meth:`nncore.Network.fit`.

Training itself is nncore's: every epoch is one ``Network.fit(epochs=1)`` call with
an optimizer kept between epochs (and between ``partial_fit`` calls).  What lives
here is scikit-learn's bookkeeping around it: the validation split, the stopping
rule, the learning-rate schedules of ``solver="sgd"``, the fitted attributes.
"""
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _sklearn_params as _params
from .network import Network
from .optimizers import SGD, Adam, Momentum

_DTYPES = (np.float64, np.float32)


class _EpochOrder(np.random.RandomState):
    """The order of the samples in each epoch, for :meth:`Network.fit`'s ``rng``.

    scikit-learn shuffles the previous epoch's order rather than a fresh ``arange``;
    drawing the same permutations from the same ``RandomState`` and composing them
    the same way visits the samples in scikit-learn's order, so one seed gives the
    same batches with either library.
    """

    def __init__(self, rng, n):
        super().__init__(0)
        self._rng = rng
        self._order = np.arange(n)

    def permutation(self, x):
        self._order = self._order[self._rng.permutation(x)]
        return self._order


class BaseMLP(BaseEstimator):
    """Shared by :class:`nncore.sklearn.MLPClassifier` and :class:`nncore.sklearn.MLPRegressor`."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change

    # Subclasses define: _validate_targets(X, y, incremental, reset) -> (X, Y 2-D),
    # _targets(Y) -> t for Network.fit, _output(Y) -> (nncore output, sklearn name),
    # _loss_scale (nncore's loss / scikit-learn's), _score(X, y), _stratify(Y).

    def __sklearn_is_fitted__(self):
        return getattr(self, "_network", None) is not None

    # ------------------------------------------------------------ the network's arrays

    @property
    def coefs_(self):
        """The weight matrices ``(n_in, n_out)``, one per layer: views of the network's
        arrays (changing their values changes the model)."""
        return [layer.W for layer in self._fitted_network().layers]

    @property
    def intercepts_(self):
        """The bias vectors ``(n_out,)``, one per layer (views, like :attr:`coefs_`)."""
        return [layer.b for layer in self._fitted_network().layers]

    @property
    def network_(self):
        """The trained :class:`nncore.Network` itself (shared, not a copy)."""
        return self._fitted_network()

    def _fitted_network(self):
        net = getattr(self, "_network", None)
        if net is None:
            raise AttributeError(f"this {type(self).__name__} is not fitted yet: call fit first")
        return net

    # ------------------------------------------------------------ training

    def _fit(self, X, y, incremental):
        _params.check_params(self)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        hidden = _params.hidden_layer_sizes(self.hidden_layer_sizes)
        first_pass = not self.__sklearn_is_fitted__() or (not self.warm_start and not incremental)
        X, Y = self._validate_targets(X, y, incremental, reset=first_pass)
        rng = check_random_state(self.random_state)
        if first_pass:
            self._initialize(X.shape[1], hidden, Y, X.dtype, rng)
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs but the model was fitted with "
                             f"{self.n_outputs_}; refit without warm_start to change it")
        self._train(X, Y, incremental, rng)
        if not all(np.all(np.isfinite(a)) for a in self.coefs_ + self.intercepts_):
            raise ValueError("training produced non-finite weights: the input may hold "
                             "values too large to learn from (scale it first)")
        return self

    def _initialize(self, n_features, hidden, Y, dtype, rng):
        """Glorot-uniform weights and biases drawn in scikit-learn's order from ``rng``."""
        sizes = [n_features, *hidden, Y.shape[1]]
        factor = 2.0 if self.activation == "logistic" else 6.0
        params = {}
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            bound = np.sqrt(factor / (fan_in + fan_out))
            params[f"W{i}"] = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype)
            params[f"b{i}"] = rng.uniform(-bound, bound, fan_out).astype(dtype)
        output, self.out_activation_ = self._output(Y)
        self._network = Network.from_params(params, activation=_params.ACTIVATIONS[self.activation],
                                            output=output, dtype=dtype)
        self._optimizer = None
        self.n_outputs_ = Y.shape[1]
        self.n_layers_ = len(sizes)
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self._best = self._snapshot()
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.best_validation_score_ = None

    def _snapshot(self):
        return [(layer.W.copy(), layer.b.copy()) for layer in self._network.layers]

    def _make_optimizer(self):
        """nncore's optimizer for the solver."""
        self._learning_rate = float(self.learning_rate_init)
        if self.solver == "adam":
            return Adam(lr=self._learning_rate, beta1=self.beta_1, beta2=self.beta_2,
                        eps=self.epsilon)
        if self.momentum > 0:
            return Momentum(lr=self._learning_rate, momentum=self.momentum,
                            nesterov=self.nesterovs_momentum)
        return SGD(lr=self._learning_rate)

    def _split(self, X, Y, rng):
        """(X_train, Y_train, X_val, y_val): the validation split of early stopping."""
        if not self.early_stopping:
            return X, Y, None, None
        X_train, X_val, Y_train, Y_val = train_test_split(
            X, Y, random_state=rng, test_size=self.validation_fraction,
            stratify=self._stratify(Y))
        if X_val.shape[0] < 2:
            raise ValueError("the validation set is too small for early stopping: increase "
                             "validation_fraction or the number of samples")
        return X_train, Y_train, X_val, self._validation_targets(Y_val)

    def _batch_size(self, n):
        if self.batch_size == "auto":
            return min(200, n)
        if self.batch_size > n:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going "
                          "to be clipped", UserWarning, stacklevel=4)
        return int(np.clip(self.batch_size, 1, n))

    def _train(self, X, Y, incremental, rng):
        X_train, Y_train, X_val, y_val = self._split(X, Y, rng)
        t_train = self._targets(Y_train)
        n = X_train.shape[0]
        batch_size = self._batch_size(n)
        if not incremental or self._optimizer is None:
            self._optimizer = self._make_optimizer()
        opt = self._optimizer
        order = _EpochOrder(rng, n)
        n_batches, last_batch = -(-n // batch_size), n - (-(-n // batch_size) - 1) * batch_size
        alpha = float(self.alpha)
        penalties = []  # scikit-learn's loss adds the penalty of the weights each step starts from

        def after_step(step=None):
            """scikit-learn's L2 term: 0.5 * alpha * ||W||² / batch in the loss, whose
            gradient alpha * W / batch is the optimizer's weight decay (so the last,
            smaller batch of an epoch gets a larger one)."""
            penalties.append(0.5 * alpha * sum(float(np.vdot(W, W)) for W in self.coefs_))
            next_step = 0 if step is None else step.iteration + 1
            opt.weight_decay = alpha / (last_batch if next_step == n_batches - 1 else batch_size)

        self.n_iter_ = 0
        for _ in range(self.max_iter):
            penalties.clear()
            after_step()
            history = self._network.fit(X_train, t_train, epochs=1, batch_size=batch_size,
                                        optimizer=opt, shuffle=self.shuffle, rng=order,
                                        progress=False, callbacks=after_step if alpha else None)
            if history.interrupted:
                warnings.warn("Training interrupted by user.", UserWarning, stacklevel=3)
                break
            self.n_iter_ += 1
            self.t_ += n
            # penalties[-1] belongs to the weights after the last step
            penalty = sum(penalties[:-1]) if alpha else 0.0
            self.loss_ = history.loss[0] / self._loss_scale + penalty / n
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))
            self._count_no_improvement(X_val, y_val)
            if self.solver == "sgd" and self.learning_rate == "invscaling":
                self._learning_rate = self.learning_rate_init / (self.t_ + 1) ** self.power_t
                opt.lr = self._learning_rate
            if self._no_improvement_count > self.n_iter_no_change:
                what = "Validation score" if self.early_stopping else "Training loss"
                msg = (f"{what} did not improve more than tol={self.tol:f} for "
                       f"{self.n_iter_no_change} consecutive epochs.")
                if self._stop(msg, opt):
                    break
                self._no_improvement_count = 0
            if incremental:
                break
            if self.n_iter_ == self.max_iter:
                warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                              "reached and the optimization hasn't converged yet.",
                              ConvergenceWarning, stacklevel=3)
        if self.early_stopping:  # keep the weights of the best validation score
            for layer, (W, b) in zip(self._network.layers, self._best):
                layer.W, layer.b = W, b

    def _count_no_improvement(self, X_val, y_val):
        if self.early_stopping:
            score = self._score(X_val, y_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print("Validation score: %f" % score)
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best = self._snapshot()
        else:
            loss = self.loss_curve_[-1]
            if loss > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if loss < self.best_loss_:
                self.best_loss_ = loss

    def _stop(self, msg, opt):
        """True to stop; the 'adaptive' schedule divides the learning rate by 5 instead."""
        if self.solver == "sgd" and self.learning_rate == "adaptive" \
                and self._learning_rate > 1e-6:
            self._learning_rate /= 5.0
            opt.lr = self._learning_rate
            if self.verbose:
                print(msg + " Setting learning rate to %f" % self._learning_rate)
            return False
        if self.verbose:
            suffix = " Learning rate too small." if self.learning_rate == "adaptive" \
                and self.solver == "sgd" else ""
            print(msg + suffix + " Stopping.")
        return True

    # ------------------------------------------------------------ inference

    def _forward(self, X):
        """The network's output for checked ``X`` (feature count and names as in fit)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_DTYPES)
        return self._network.predict(X)

    def _score_safely(self, X, y, score_function, predict):
        """``score_function(y, predict(X))``, or NaN where the predictions are not finite."""
        y_pred = predict(X)
        if np.issubdtype(np.asarray(y_pred).dtype, np.floating) and not np.all(np.isfinite(y_pred)):
            return np.nan
        return score_function(y, y_pred)
