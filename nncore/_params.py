"""A book-style parameter mapping whose assignments reach the arrays it stands for."""
from collections.abc import MutableMapping

import numpy as np

__all__ = ["LiveParams"]


class LiveParams(MutableMapping):
    """``{"W1": ..., "b1": ...}`` over arrays owned elsewhere (a network's layers).

    Reading gives the owner's own array, so in-place updates (``params["W1"] -=
    lr * grad``) train it.  Assigning copies the new values *into* that array
    after checking the shape, so ``params["W1"] = W`` takes effect too (and later
    changes to ``W`` do not).  Keys cannot be added or removed.

    >>> import numpy as np
    >>> from nncore._params import LiveParams
    >>> W = np.zeros((2, 2))
    >>> params = LiveParams({"W1": W})
    >>> params["W1"] = [[1, 2], [3, 4]]
    >>> W
    array([[1., 2.],
           [3., 4.]])
    """

    __slots__ = ("_arrays",)

    def __init__(self, arrays):
        self._arrays = dict(arrays)

    def __getitem__(self, key):
        return self._arrays[key]

    def __setitem__(self, key, value):
        if key not in self._arrays:
            raise KeyError(f"{key!r} is not a parameter of this network (it has "
                           f"{', '.join(self._arrays)}); parameters cannot be added")
        target = self._arrays[key]
        if value is target:  # ``params[k] -= g`` already changed it in place
            return
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"params[{key!r}] must be numeric; got dtype {arr.dtype}")
        if arr.shape != target.shape:
            raise ValueError(f"params[{key!r}] must keep its shape {target.shape}; got "
                             f"{arr.shape} (build a new network to change its sizes)")
        np.copyto(target, arr, casting="unsafe")

    def __delitem__(self, key):
        raise TypeError(f"parameters cannot be removed from a network (tried {key!r})")

    def __iter__(self):
        return iter(self._arrays)

    def __len__(self):
        return len(self._arrays)

    def __repr__(self):
        return f"{type(self).__name__}({{{', '.join(repr(k) for k in self._arrays)}}})"
