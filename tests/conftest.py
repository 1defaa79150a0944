"""Shared fixtures: every kernel test runs once per available backend.

Under ``NNCORE_IMPLEMENTATION=python`` only the NumPy backend runs (the suite then
proves the pure path on its own); otherwise both run, and under
``NNCORE_IMPLEMENTATION=cython`` a missing extension is an error, not a skip.
"""
import importlib
import os

import numpy as np
import pytest
from hypothesis import settings

# CI runs the property and fuzz tests with a fixed seed so that main stays
# reproducibly green; local runs explore new examples every time.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

from nncore import _kernels, _kernels_py


def _kernel_modules():
    modules = {"python": _kernels_py}
    if _kernels.REQUESTED != "python":
        try:
            modules["cython"] = importlib.import_module("nncore._kernels_c")
        except ImportError:
            if _kernels.REQUESTED == "cython":
                raise
    return modules


KERNEL_MODULES = _kernel_modules()
# NNCORE_TEST_BACKENDS=cython keeps only the listed backends (comma-separated) in the
# tests that take the `backend` fixture: CI's reruns of the compiled kernels (each
# instruction-set level, the sanitizer build) need not run the NumPy twin again.
# Tests that compare the backends with each other still see both.
FIXTURE_BACKENDS = sorted(KERNEL_MODULES)
if os.environ.get("NNCORE_TEST_BACKENDS"):
    FIXTURE_BACKENDS = sorted(name.strip() for name in os.environ["NNCORE_TEST_BACKENDS"].split(","))
    if not set(FIXTURE_BACKENDS) <= set(KERNEL_MODULES):
        raise pytest.UsageError(f"NNCORE_TEST_BACKENDS={os.environ['NNCORE_TEST_BACKENDS']}: "
                                f"available backends are {', '.join(sorted(KERNEL_MODULES))}")


@pytest.fixture(params=FIXTURE_BACKENDS)
def backend(request, monkeypatch):
    """Run the test with ``nncore``'s kernels switched to one backend."""
    monkeypatch.setattr(_kernels, "impl", KERNEL_MODULES[request.param])
    return request.param


@pytest.fixture(params=[np.float32, np.float64], ids=["f32", "f64"])
def dtype(request):
    return np.dtype(request.param)


def tolerance(dtype):
    """(rtol, atol) for comparing a result in ``dtype`` with a float64 oracle."""
    return (2e-6, 1e-6) if np.dtype(dtype) == np.float32 else (1e-13, 1e-14)


SHARED_MNIST = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "shared",
                            "datasets", "mnist")
SHARED_REFERENCE = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "shared",
                                "reference")


def _shared_dir(path, what):
    if os.path.isdir(path):
        return os.path.abspath(path)
    if os.environ.get("CI"):
        pytest.fail(f"{what} not found at {path}: CI must provide ../shared")
    pytest.skip(f"{what} not found at {path}")


@pytest.fixture(scope="session")
def mnist_dir():
    """The full MNIST IDX files: $NNCORE_DATA, else ../shared/datasets/mnist."""
    return _shared_dir(os.environ.get("NNCORE_DATA") or SHARED_MNIST, "MNIST data")


@pytest.fixture(scope="session")
def reference_dir():
    """The book's sample_weight.pkl and the CSV samples: $NNCORE_REFERENCE, else
    ../shared/reference (the variable serves a test run from an unpacked sdist)."""
    return _shared_dir(os.environ.get("NNCORE_REFERENCE") or SHARED_REFERENCE, "reference files")


def _long_tests_enabled():
    value = os.environ.get("NNCORE_LONG_TESTS", "")
    if value not in ("", "0", "1"):
        raise pytest.UsageError(f"NNCORE_LONG_TESTS={value}: use 1 to run the tests marked "
                                "`long`, 0 or nothing to skip them")
    return value == "1"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` (whole-dataset training runs) run first, so that on
    pytest-xdist's workers they run beside the others instead of starting last and
    holding the run up.  Tests marked ``long`` (runs of several minutes) skip, with a
    reason, unless NNCORE_LONG_TESTS=1."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    if _long_tests_enabled():
        return
    skip = pytest.mark.skip(reason="a run of several minutes: set NNCORE_LONG_TESTS=1 to run it")
    for item in items:
        if item.get_closest_marker("long") is not None:
            item.add_marker(skip)
