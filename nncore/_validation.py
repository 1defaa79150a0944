"""Array-likes in, checked arrays out: the user-facing checks that several modules share.

The rules (DESIGN.md, principle 5): float32 and float64 pass through; integer and
bool input becomes float64; every other dtype is refused with a TypeError naming
the argument and the dtype.  Nothing here modifies its input.  Checks that belong
to one domain (a file format, an optimizer's constants) stay in their module.
"""
import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_float_array(x, name, dtype=None):
    """Return ``x`` as an ndarray of float32 or float64 (not necessarily contiguous).

    ``dtype``, when given, is the dtype the result is cast to after the checks.
    """
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{name} must be a number or a rectangular (non-ragged) array-like of "
                f"numbers; converting it failed: {exc}"
            ) from None
    elif type(x) is not np.ndarray:
        x = np.asarray(x)  # memmap, matrix and other subclasses: a plain view
    kind = x.dtype.kind
    if kind in "biu":
        x = x.astype(np.float64)
    elif x.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{name} must have a float32, float64, integer or bool dtype; got {x.dtype}"
            + (" (convert it to float32 first)" if kind == "f" else "")
        )
    if dtype is not None and x.dtype != dtype:
        x = x.astype(dtype)
    return x


def check_dtype(dtype, name="dtype"):
    """Return ``dtype`` as float32 or float64 (None stays None), else TypeError."""
    if dtype is None:
        return None
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be float32 or float64; got {dtype!r}") from None
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"{name} must be float32 or float64; got {dt}")
    return dt


def common_dtype(*arrays):
    """The float dtype of a computation on already-validated float arrays."""
    return np.result_type(*arrays)


def check_ndim(x, name, ndims):
    """Raise ValueError unless ``x.ndim`` is one of ``ndims``."""
    if x.ndim not in ndims:
        wanted = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be {wanted}; got shape {x.shape} ({x.ndim}-D)")


def check_out(out, shape, dtype, name="out"):
    """Check a user's ``out=`` array: an ndarray of exactly ``shape`` and ``dtype``."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray; got {type(out).__name__}")
    if out.dtype != dtype:
        raise TypeError(f"{name} must have dtype {np.dtype(dtype)} (the result's); got {out.dtype}")
    if out.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}; got {out.shape}")
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only")
    return out


def writes_directly(out, *inputs, may_alias=None):
    """True when a kernel can write straight into ``out``.

    That needs ``out`` C-contiguous and not overlapping any input, except that
    ``out`` may be exactly ``may_alias`` (same start, shape and strides) for the
    kernels that allow it.
    """
    if not out.flags.c_contiguous:
        return False
    for a in inputs:
        if a is None or not np.may_share_memory(out, a):
            continue
        if (
            may_alias is not None
            and a is may_alias
            and a.flags.c_contiguous
            and a.__array_interface__["data"][0] == out.__array_interface__["data"][0]
            and a.shape == out.shape
        ):
            continue
        return False
    return True


def as_batch(x, n_in, dtype=None, owner="the network", contiguous=True):
    """``(x2, single)``: one sample ``(n_in,)`` or a batch ``(N, n_in)`` as ``(N, n_in)``.

    ``single`` says that ``x`` was one sample.  ``x2`` is cast to ``dtype`` when
    given and made C-contiguous unless ``contiguous`` is False.
    """
    x = as_float_array(x, "x", dtype=dtype)
    check_ndim(x, "x", (1, 2))
    if x.shape[-1] != n_in:
        raise ValueError(f"x has {x.shape[-1]} features per sample (shape {x.shape}) but "
                         f"{owner} takes {n_in} (shape ({n_in},) or (N, {n_in}))")
    single = x.ndim == 1
    x2 = x.reshape(1, n_in) if single else x
    return (np.ascontiguousarray(x2) if contiguous else x2), single


def positive_int(value, name):
    """``value`` as an int when it is an integer >= 1 (not a bool), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def as_rng(rng):
    """A random generator from a seed, a Generator or None; a ``RandomState`` is kept.

    A ``RandomState`` draws what the book's ``np.random`` calls draw from the same
    state; numpy's global state is never used.
    """
    if isinstance(rng, np.random.RandomState):
        return rng
    return np.random.default_rng(rng)


def check_instance(value, cls, name, what):
    """Raise TypeError unless ``value`` is a ``cls``; ``what`` names it for the user."""
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be {what}; got {type(value).__name__}")
    return value


def param_names(n):
    """The book's names of ``n`` layers' parameters: ``["W1", "b1", ..., "Wn", "bn"]``."""
    return [f"{p}{i}" for i in range(1, n + 1) for p in "Wb"]


def key_difference(keys, expected):
    """``"missing [...]; unexpected [...]"`` for two sets of names, ``""`` when equal."""
    missing = sorted(set(expected) - set(keys), key=str)
    extra = sorted(set(keys) - set(expected), key=str)
    return "; ".join(([f"missing {missing}"] if missing else [])
                     + ([f"unexpected {extra}"] if extra else []))


def check_label_values(labels, n_classes, name="t"):
    """``labels`` (a 1-D numeric array) as int64 when they are whole numbers in
    ``[0, n_classes)``, else ValueError."""
    if labels.dtype.kind == "f" and labels.size and (
            not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels))):
        raise ValueError(f"{name} must hold whole-number labels; got non-integer values")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels in {name} must lie in [0, {n_classes}); got values from "
                         f"{labels.min()} to {labels.max()}")
    return labels.astype(np.int64)


def as_labels(t, n, n_classes, name="t"):
    """int64 labels ``(n,)`` from labels ``(n,)`` or one-hot rows ``(n, n_classes)``."""
    t = np.asarray(t)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold integer labels or one-hot rows; got dtype {t.dtype}")
    if t.ndim == 2:
        if t.shape != (n, n_classes):
            raise ValueError(f"one-hot {name} must have shape ({n}, {n_classes}); got {t.shape}")
        return np.argmax(t, axis=1)
    if t.ndim != 1:
        raise ValueError(f"{name} must be labels (N,) or one-hot (N, {n_classes}); got shape "
                         f"{t.shape}")
    if t.shape[0] != n:
        raise ValueError(f"x has {n} samples but {name} has {t.shape[0]} labels")
    return check_label_values(t, n_classes, name)
