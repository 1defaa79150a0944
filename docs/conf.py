"""Sphinx configuration for the nncore documentation."""
import os
import sys

import nncore

HERE = os.path.dirname(os.path.abspath(__file__))

project = "nncore"
author = "the nncore developers"
copyright = "2026, the nncore developers"
version = release = nncore.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx.ext.intersphinx",
    "matplotlib.sphinxext.plot_directive",
]
# Figures are drawn from nncore itself when the docs build; none is committed.
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_rcparams = {"figure.figsize": (6.4, 3.2), "font.size": 9}
autosummary_generate = True
autodoc_default_options = {"members": True}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
# Parameter types ("int", "numpy.ndarray", "str or os.PathLike") become links.
napoleon_preprocess_types = True
napoleon_type_aliases = {"ndarray": "numpy.ndarray"}


def python_inventory():
    """Python's objects.inv from a local copy when there is one, else from the site.

    Debian's python3.X-doc package installs one; with it the build needs no network.
    """
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    local = f"/usr/share/doc/python{version}/html/objects.inv"
    return (f"https://docs.python.org/{version}/",
            local if os.path.exists(local) else None)


# Links to Python's and NumPy's documentation.  NumPy's inventory is the short
# list of names these docs refer to (docs/_inventories/numpy.txt, a version 1
# inventory: one "name type page" line each), so it needs no network either.
intersphinx_mapping = {
    "python": python_inventory(),
    "numpy": ("https://numpy.org/doc/stable/", os.path.join(HERE, "_inventories", "numpy.txt")),
}
intersphinx_timeout = 10
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_theme_options = {"description": "The perceptron-to-MNIST path, fast."}
nitpicky = False
