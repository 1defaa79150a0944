"""Noticing assignments that invalidate a network's cached forward plan.

A :class:`~nncore.Network` caches a compiled plan holding pointers to its layers'
weights.  Anything a user can assign (``layer.W``, ``layer.b``,
``layer.activation``, ``net.layers`` and its items) bumps one process-wide
generation number; a network compares it with the number it saw last before
each call, so an unchanged process pays one integer comparison, and a changed
one re-validates its layers and rebuilds its plan when they differ.
"""

_generation = [0]


def bump():
    """Record that some layer or layer list was assigned to."""
    _generation[0] += 1


def generation():
    """The current generation number."""
    return _generation[0]


def _bumping(name):
    method = getattr(list, name)

    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        finally:
            bump()

    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = method.__doc__
    return wrapper


class LayerList(list):
    """A network's ``layers``: a plain list whose every change is noticed.

    The next call of the network checks the layers again (each a Dense layer,
    chaining widths, one dtype) and rebuilds its plan; a list that does not
    chain raises there, naming the layers.
    """

    __slots__ = ()

    for _name in ("__setitem__", "__delitem__", "__iadd__", "__imul__", "append", "extend",
                  "insert", "pop", "remove", "clear", "sort", "reverse"):
        locals()[_name] = _bumping(_name)
    del _name

    def __reduce__(self):
        return (list, (list(self),))
