"""How many threads nncore's compiled predict may use for a large batch.

The default is 1: nncore starts no threads of its own unless asked, so it never
competes with NumPy's BLAS, Dask's worker threads or your own thread pool.
``NNCORE_NUM_THREADS`` sets the number at import; :func:`set_num_threads` changes
it at run time.  Batches of 256 rows or more are split across the threads (each
row's result is the same whatever the thread count).
"""
import os
import warnings

from . import _kernels


def set_num_threads(n):
    """Let the compiled ``predict`` use ``n`` threads for batches of 256 rows or more.

    Parameters
    ----------
    n : int
        1 or more.  With a build without OpenMP (see :func:`nncore.show_config`)
        this has no effect.

    Examples
    --------
    >>> import nncore
    >>> nncore.set_num_threads(2)
    >>> nncore.get_num_threads() in (1, 2)   # 1 on a build without OpenMP
    True
    >>> nncore.set_num_threads(1)
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}")
    _kernels.impl.set_num_threads(n)
    if _kernels.impl is not _kernels._kernels_py:
        _kernels._kernels_py.set_num_threads(n)


def get_num_threads():
    """The number of threads set by :func:`set_num_threads` (or ``NNCORE_NUM_THREADS``)."""
    return _kernels.impl.get_num_threads()


def _from_environment():
    value = os.environ.get("NNCORE_NUM_THREADS", "").strip()
    if not value:
        return
    try:
        set_num_threads(int(value))
    except ValueError:
        warnings.warn(f"NNCORE_NUM_THREADS must be a positive integer; got {value!r} "
                      "(using 1 thread)", RuntimeWarning, stacklevel=3)


_from_environment()
