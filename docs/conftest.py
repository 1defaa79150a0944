# docs/conf.py and the extensions in docs/_ext are Sphinx's configuration and
# plug-ins (they need Sphinx), not modules with doctests.
collect_ignore = ["conf.py", "_ext"]


def _shared(variable, folder):
    """$variable, else ../shared/<folder> beside the checkout (as the tests find it)."""
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get(variable) or os.path.join(here, os.pardir, os.pardir, "shared", folder)


def pytest_runtest_setup(item):
    """book-map.rst reads the MNIST files and the book's weights: point NNCORE_DATA and
    NNCORE_REFERENCE at them (../shared when unset), or skip when they are absent."""
    import os

    import pytest

    if not item.nodeid.endswith("book-map.rst"):
        return
    for variable, folder in (("NNCORE_DATA", "datasets/mnist"), ("NNCORE_REFERENCE", "reference")):
        path = _shared(variable, folder)
        if not os.path.isdir(path):
            if os.environ.get("CI"):
                pytest.fail(f"{variable}: {path} not found; CI must provide ../shared")
            pytest.skip(f"book-map.rst needs the files of {variable} (not found at {path})")
        os.environ[variable] = os.path.abspath(path)
