"""Sphinx configuration for the nncore documentation."""
import nncore

project = "nncore"
author = "the nncore developers"
copyright = "2026, the nncore developers"
version = release = nncore.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
autosummary_generate = True
autodoc_default_options = {"members": True}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_theme_options = {"description": "The perceptron-to-MNIST path, fast."}
nitpicky = False
