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


# doctest items -> the optional packages they need, and the extra that brings them
_OPTIONAL = [
    (("nncore/dask.py", "scaling-out.rst"), ("dask.array", "distributed"), "dask"),
    (("Network.from_sklearn",), ("sklearn",), "sklearn"),
    (("Network.from_torch",), ("torch",), "torch"),
    (("Network.to_onnx", "_onnx_read.py"), ("onnx", "onnxruntime"), "onnx"),
    (("interop.rst",), ("sklearn", "torch", "onnx", "onnxruntime"), "test"),
    (("sklearn.rst",), ("sklearn",), "sklearn"),
    # MYONN's rotated records: scipy.ndimage, which scikit-learn brings
    (("nncore.book.myonn.rotate_inputs", "book-map.rst"), ("scipy",), "test"),
]


def _missing(modules):
    import importlib.util

    return [m for m in modules if importlib.util.find_spec(m.split(".")[0]) is None]


def pytest_collection_modifyitems(config, items):
    """Doctests that need an optional extra skip, with a reason, without it."""
    import pytest

    for needles, modules, extra in _OPTIONAL:
        missing = _missing(modules)
        if not missing:
            continue
        skip = pytest.mark.skip(reason=f"needs {', '.join(missing)}: "
                                       f"pip install \"nncore-dlfs[{extra}]\"")
        for item in items:
            if any(needle in item.nodeid for needle in needles):
                item.add_marker(skip)
