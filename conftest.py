"""Import the installed nncore before pytest collects anything.

With --import-mode=importlib pytest loads doctest modules from their files unless
the package is already imported; importing it here, from sys.path (where the
installed package is, not this checkout), makes every doctest and test run
against the installed package with its compiled kernels.
"""
import nncore  # noqa: F401


def pytest_collection_modifyitems(config, items):
    """Doctests that need the optional dask extra skip, with a reason, without it."""
    try:
        import dask.array  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        import pytest

        skip = pytest.mark.skip(reason="needs the dask extra: pip install \"nncore-dlfs[dask]\"")
        for item in items:
            if "nncore/dask.py" in item.nodeid or "scaling-out.rst" in item.nodeid:
                item.add_marker(skip)
