"""Where the books' initial weights come from: numpy's global state by default, as the books."""
import numpy as np

from .._validation import as_rng


def source(rng):
    """An object with ``normal(loc, scale, size)``: ``None`` is numpy's global state (the
    books' ``np.random``), a ``RandomState`` is used as it is, anything else goes to
    ``numpy.random.default_rng``.  Legacy ``normal(0, 1)`` draws what ``randn`` draws."""
    return np.random if rng is None else as_rng(rng)
