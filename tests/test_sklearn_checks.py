"""scikit-learn's own estimator checks on nncore.sklearn's estimators, on both backends.

All of them pass; the few that skip do so for reasons given by scikit-learn itself
(listed in docs/sklearn.rst): no ``decision_function``, and the array-API checks
that need ``SCIPY_ARRAY_API=1``.
"""
import pytest

pytest.importorskip("sklearn", reason="needs the sklearn extra: pip install \"nncore-dlfs[sklearn]\"")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from nncore.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

# Few epochs keep the run short (scikit-learn checks its own MLPs with max_iter=100).
ESTIMATORS = [MLPClassifier(max_iter=100, random_state=0),
              MLPRegressor(max_iter=100, random_state=0)]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_estimator_checks(estimator, check, backend):
    check(estimator)


def test_convergence_warning_is_scikit_learns():
    """The warning filtered above is the one the estimators give when max_iter runs out."""
    import numpy as np

    X = np.random.default_rng(0).standard_normal((20, 3))
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPRegressor(max_iter=1, random_state=0).fit(X, X[:, 0])
