"""Import the installed nncore before pytest collects anything.

With --import-mode=importlib pytest loads doctest modules from their files unless
the package is already imported; importing it here, from sys.path (where the
installed package is, not this checkout), makes every doctest and test run
against the installed package with its compiled kernels.
"""
import nncore  # noqa: F401

try:
    import sklearn  # noqa: F401
except ImportError:  # the optional estimators' modules import scikit-learn at the top
    collect_ignore = ["nncore/sklearn.py", "nncore/_sklearn_base.py"]


def pytest_collection_modifyitems(config, items):
    """Doctests that need an optional extra (dask, scikit-learn) skip, with a reason,
    without it."""
    try:
        import sklearn  # noqa: F401, F811
    except ImportError:
        import pytest

        skip = pytest.mark.skip(reason="needs the sklearn extra: pip install "
                                       "\"nncore-dlfs[sklearn]\"")
        for item in items:
            if "docs/sklearn.rst" in item.nodeid:
                item.add_marker(skip)
    try:
        import dask.array  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        import pytest

        skip = pytest.mark.skip(reason="needs the dask extra: pip install \"nncore-dlfs[dask]\"")
        for item in items:
            if "nncore/dask.py" in item.nodeid or "scaling-out.rst" in item.nodeid:
                item.add_marker(skip)
