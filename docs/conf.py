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
    "sphinx_copybutton",
    "benchtable",
    "fresh_after_failure",
]
sys.path.insert(0, os.path.join(HERE, "_ext"))
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


# Links to Python's and NumPy's documentation, without the network: each inventory
# is the short list of names these docs refer to (docs/_inventories/*.txt, version 1
# inventories: one "name type page" line each, the anchor being the name).
intersphinx_mapping = {
    "python": ("https://docs.python.org/3/", os.path.join(HERE, "_inventories", "python.txt")),
    "numpy": ("https://numpy.org/doc/stable/", os.path.join(HERE, "_inventories", "numpy.txt")),
}
intersphinx_timeout = 10
exclude_patterns = ["_build"]
# Furo: a readable line length with code blocks that scroll instead of being cut,
# a sidebar that becomes a drawer on phones, Previous/Next links on every page.
html_theme = "furo"
html_title = f"nncore {release}"
html_static_path = ["_static"]
html_css_files = ["nncore.css"]
# The copy button copies commands and code without ">>> ", "... " or "$ " prompts
# (and without the output lines of a doctest).
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_line_continuation_character = "\\"
nitpicky = False
