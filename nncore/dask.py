"""Batch inference on arrays larger than memory or than one machine.

* :func:`predict`, :func:`predict_proba` and :func:`classify` take a
  ``dask.array`` of shape ``(N, n_in)`` chunked along rows and return a lazy
  ``dask.array``; the network enters the task graph once, as a single key, so a
  distributed scheduler ships it to each worker once, not once per task.
* :func:`predict_batches` streams row blocks of any array-like (a
  ``numpy.memmap``, an HDF5 or Zarr dataset) through the network on one machine.

Needs the ``dask`` extra (``pip install "nncore-dlfs[dask]"``) for the first three.
The compiled ``predict`` releases the GIL, so threaded workers run in parallel;
process workers receive the network by pickle.
"""
import numpy as np

from ._validation import check_instance, positive_int
from .network import Network

__all__ = ["predict", "predict_proba", "classify", "predict_batches"]


def _dask_array():
    try:
        import dask
        import dask.array as da
    except ImportError:
        raise ImportError("nncore.dask needs dask: pip install \"nncore-dlfs[dask]\" "
                          "(or pip install \"dask[array]\" distributed)") from None
    return dask, da


def _check(net, X):
    check_instance(net, Network, "net", "a nncore.Network")
    dask, da = _dask_array()
    if not isinstance(X, da.Array):
        raise TypeError(f"X must be a dask.array.Array; got {type(X).__name__} "
                        "(use nncore.dask.predict_batches for in-memory or memory-mapped arrays)")
    if X.ndim != 2 or X.shape[1] != net.sizes[0]:
        raise ValueError(f"X must have shape (N, {net.sizes[0]}); got {X.shape}")
    if X.dtype.kind not in "biuf" or X.dtype == np.float16:
        raise TypeError(f"X must have a float32, float64, integer or bool dtype; got {X.dtype}")
    if len(X.chunks[1]) > 1:
        # a sample must not be split across blocks: one chunk along the features
        X = X.rechunk({1: -1})
    return dask, da, X


def _map(net, X, what):
    dask, da, X = _check(net, X)
    # The network is one key of the graph (dask.delayed of the object itself):
    # every block's task refers to that key instead of embedding its own copy.
    net_key = dask.delayed(net, pure=True, traverse=False)
    n_out = net.sizes[-1]
    if what == "classify":
        return X.map_blocks(_classify_block, net_key, dtype=np.int64, drop_axis=1,
                            chunks=(X.chunks[0],), meta=np.empty((0,), np.int64))
    return X.map_blocks(_predict_block, net_key, dtype=net.dtype, chunks=(X.chunks[0], (n_out,)),
                        meta=np.empty((0, n_out), net.dtype))


def _predict_block(block, net):
    return net.predict(block)


def _classify_block(block, net):
    return net.classify(block)


def predict(net, X):
    """Lazy ``net.predict`` of a dask array ``(N, n_in)`` chunked along rows.

    Parameters
    ----------
    net : Network
    X : dask.array.Array
        Inputs; feature chunks are merged into one (a sample must not be split).

    Returns
    -------
    dask.array.Array
        ``(N, n_out)`` of the network's dtype, chunked like ``X``'s rows.  Nothing
        is computed (not even a trial on empty data) until you call ``compute``.

    Examples
    --------
    >>> import numpy as np, dask.array as da, nncore, nncore.dask
    >>> net = nncore.Network.init([4, 3, 2], rng=0)
    >>> X = da.from_array(np.ones((10, 4)), chunks=(3, 4))
    >>> Y = nncore.dask.predict(net, X)
    >>> Y.shape, Y.chunks, Y.dtype
    ((10, 2), ((3, 3, 3, 1), (2,)), dtype('float64'))
    >>> bool(np.allclose(Y.compute(), net.predict(np.ones((10, 4)))))
    True
    """
    return _map(net, X, "predict")


def predict_proba(net, X):
    """Same as :func:`predict`: the output activation's probabilities (softmax/sigmoid)."""
    return _map(net, X, "predict")


def classify(net, X):
    """Lazy ``net.classify``: int64 labels ``(N,)`` chunked like ``X``'s rows.

    Examples
    --------
    >>> import numpy as np, dask.array as da, nncore, nncore.dask
    >>> net = nncore.Network.from_params({"W1": [[1.0, -1.0]], "b1": [0.0, 0.0]})
    >>> nncore.dask.classify(net, da.from_array(np.array([[2.0], [-3.0]]), chunks=1)).compute()
    array([0, 1])
    """
    return _map(net, X, "classify")


def predict_batches(net, X, batch_size=10_000, out=None, classify=False):
    """``net.predict`` (or ``classify``) of a large array, one row block at a time.

    ``X`` may be anything that slices into NumPy arrays — a ``numpy.memmap``, an
    h5py or Zarr dataset — so only ``batch_size`` rows are in memory at once.

    Parameters
    ----------
    net : Network
    X : array-like of shape (N, n_in)
    batch_size : int
        Rows per block.
    out : numpy.ndarray, optional
        ``(N, n_out)`` of the network's dtype (``(N,)`` int64 with ``classify``),
        for example a writable ``numpy.memmap``; allocated when not given.
    classify : bool
        Write labels instead of the output activation.

    Returns
    -------
    numpy.ndarray
        ``out``.

    Examples
    --------
    >>> import numpy as np, nncore, nncore.dask
    >>> net = nncore.Network.init([4, 3, 2], rng=0)
    >>> X = np.random.default_rng(0).random((25, 4))
    >>> Y = nncore.dask.predict_batches(net, X, batch_size=10)
    >>> bool(np.array_equal(Y, net.predict(X)))
    True
    """
    check_instance(net, Network, "net", "a nncore.Network")
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) != 2 or shape[1] != net.sizes[0]:
        raise ValueError(f"X must have shape (N, {net.sizes[0]}); got {shape}")
    batch_size = positive_int(batch_size, "batch_size")
    n = shape[0]
    want = ((n,), np.dtype(np.int64)) if classify else ((n, net.sizes[-1]), net.dtype)
    if out is None:
        out = np.empty(*want)
    elif not (isinstance(out, np.ndarray) and out.shape == want[0] and out.dtype == want[1]):
        raise ValueError(f"out must be an ndarray of shape {want[0]} and dtype {want[1]}")
    for start in range(0, n, batch_size):
        block = np.asarray(X[start:start + batch_size])
        out[start:start + len(block)] = net.classify(block) if classify else net.predict(block)
    return out
