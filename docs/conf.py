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
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_theme_options = {"description": "The perceptron-to-MNIST path, fast."}
nitpicky = False
