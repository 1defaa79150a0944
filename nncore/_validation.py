"""Array-likes in, checked arrays out.  Every user-facing check of nncore lives here.

The rules (DESIGN.md, principle 5): float32 and float64 pass through; integer and
bool input becomes float64; every other dtype is refused with a TypeError naming
the argument and the dtype.  Nothing here modifies its input.
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
