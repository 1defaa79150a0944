"""MNIST as the book loads it, verified and offline-first.

The test split ships with nncore; the training split is downloaded on first use
(from mirrors, each file pinned by size and SHA-256) into the data folder.
"""
import os

import numpy as np

from .._validation import check_dtype
from . import _files, _idx

__all__ = ["load_mnist", "load_mnist_csv"]


def _scale_images(x, normalize, input_range, dtype):
    if not normalize:
        return x
    # in the books' order, so the values are bit-identical to theirs:
    # x / 255 (Deep Learning from Scratch), then * 0.99 + 0.01 for (0.01, 1.0)
    lo, hi = input_range
    out = x.astype(dtype)
    out /= dtype.type(255.0)
    if (lo, hi) != (0.0, 1.0):
        out *= dtype.type(hi - lo)
        out += dtype.type(lo)
    return out


def _one_hot(t, dtype):
    out = np.zeros((t.shape[0], 10), dtype)
    out[np.arange(t.shape[0]), t] = 1
    return out


def _check_range(input_range):
    try:
        lo, hi = (float(v) for v in input_range)
    except (TypeError, ValueError):
        raise ValueError(f"input_range must be a pair (low, high); got {input_range!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"input_range must be finite with low < high; got {input_range!r}")
    return lo, hi


def _prepare(images, labels, normalize, flatten, one_hot_label, input_range, dtype):
    x = images.reshape(len(images), 784) if flatten else images.reshape(len(images), 1, 28, 28)
    x = _scale_images(x, normalize, input_range, dtype)
    if not normalize:
        x = x.copy()  # writable, independent of the file's buffer
    t = _one_hot(labels, dtype) if one_hot_label else labels.copy()
    return x, t


def load_mnist(normalize=True, flatten=True, one_hot_label=False, *, split=None,
               data_home=None, download=True, mirrors=None, dtype=np.float32,
               input_range=(0.0, 1.0), timeout=30.0):
    """Load MNIST the way the book's ``dataset/mnist.py`` does, from verified files.

    Parameters
    ----------
    normalize : bool
        Scale pixels to ``input_range`` (default [0, 1]) as ``dtype``; otherwise
        return the raw uint8 pixels.
    flatten : bool
        Images as ``(N, 784)`` rows; otherwise ``(N, 1, 28, 28)``.
    one_hot_label : bool
        Labels as one-hot rows ``(N, 10)`` of ``dtype``; otherwise uint8 ``(N,)``.
    split : {None, "train", "test"}
        ``None`` returns both splits as the book does; ``"test"`` or ``"train"``
        returns that one ``(x, t)`` pair.  The test split ships with nncore, so
        ``split="test"`` works offline on a fresh install.
    data_home : str or os.PathLike, optional
        Folder holding (or receiving) the IDX ``.gz`` files; default:
        ``NNCORE_DATA``, else a per-user data folder (see
        :func:`nncore.datasets.get_data_home`).
    download : bool
        Download missing training files; with ``False`` a missing file raises
        :class:`~nncore.datasets.DatasetDownloadError` at once.
    mirrors : list of str, optional
        Base URLs tried in order (default: ``NNCORE_MNIST_MIRRORS``, else the
        PyTorch-hosted S3 mirror, then the CVDF mirror).
    dtype : {float32, float64}
        dtype of normalized images and one-hot labels.
    input_range : (float, float)
        Range the pixels are scaled to when normalizing; ``(0.01, 1.0)`` is the
        scaling of "Make Your Own Neural Network".
    timeout : float
        Seconds each network operation on a mirror may wait; a mirror must also
        deliver the whole file within ``timeout`` plus the file's size at 64 kB/s,
        or the next one is tried.

    Returns
    -------
    ((x_train, t_train), (x_test, t_test)), or one ``(x, t)`` pair with ``split``.

    Raises
    ------
    DatasetDownloadError
        A file is missing and no mirror delivered a verified copy; the message
        names each mirror's error, the checksum and where to put the file.

    Examples
    --------
    >>> from nncore.datasets import load_mnist
    >>> x_test, t_test = load_mnist(split="test")
    >>> x_test.shape, x_test.dtype, t_test[:10]
    ((10000, 784), dtype('float32'), array([7, 2, 1, 0, 4, 1, 4, 9, 5, 9], dtype=uint8))
    """
    dtype = check_dtype(dtype)
    input_range = _check_range(input_range)
    if split not in (None, "train", "test"):
        raise ValueError(f"split must be None, 'train' or 'test'; got {split!r}")
    result = []
    for name in (("train", "test") if split is None else (split,)):
        images_file, labels_file = _files.SPLITS[name]
        images = _idx.read(_files.ensure(images_file, data_home, download, mirrors, timeout))
        labels = _idx.read(_files.ensure(labels_file, data_home, download, mirrors, timeout))
        if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.ndim != 1:
            raise ValueError(f"{images_file}/{labels_file}: not MNIST images and labels")
        if len(images) != len(labels):
            raise ValueError(f"{images_file} holds {len(images)} images but {labels_file} "
                             f"holds {len(labels)} labels")
        result.append(_prepare(images, labels, normalize, flatten, one_hot_label, input_range,
                               dtype))
    return tuple(result) if split is None else result[0]


def load_mnist_csv(path, normalize=True, flatten=True, one_hot_label=False, *,
                   dtype=np.float32, input_range=(0.0, 1.0)):
    """Read MNIST rows in CSV form: the label, then 784 pixel values 0..255, per line.

    This is the format of "Make Your Own Neural Network" (``mnist_train_100.csv``);
    that book scales inputs to ``input_range=(0.01, 1.0)``.

    Returns
    -------
    (x, t)
        Images and labels, shaped and scaled as by :func:`load_mnist`.

    Raises
    ------
    ValueError
        When a row does not hold 785 integers, a label is outside 0..9 or a pixel
        outside 0..255; the message names the file and the line.

    Examples
    --------
    >>> import os, tempfile
    >>> from nncore.datasets import load_mnist, load_mnist_csv
    >>> x, t = load_mnist(split="test", normalize=False)
    >>> path = os.path.join(tempfile.mkdtemp(), "two.csv")
    >>> with open(path, "w") as f:
    ...     for image, label in zip(x[:2], t[:2]):
    ...         _ = f.write(",".join(map(str, [label, *image])) + "\\n")
    >>> xs, ts = load_mnist_csv(path, input_range=(0.01, 1.0))
    >>> xs.shape, ts, round(float(xs.min()), 4), round(float(xs.max()), 4)
    ((2, 784), array([7, 2], dtype=uint8), 0.01, 1.0)
    """
    dtype = check_dtype(dtype)
    input_range = _check_range(input_range)
    rows = []
    with open(path, encoding="ascii") as f:
        for lineno, line in enumerate(f, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                values = [int(v) for v in line.split(",")]
            except ValueError:
                raise ValueError(f"{os.fspath(path)}, line {lineno}: not a list of integers") \
                    from None
            if len(values) != 785:
                raise ValueError(f"{os.fspath(path)}, line {lineno}: expected 785 values "
                                 f"(label + 784 pixels); got {len(values)}")
            rows.append(values)
    data = np.array(rows, dtype=np.int64).reshape(len(rows), 785)
    labels, pixels = data[:, 0], data[:, 1:]
    bad = np.flatnonzero((labels < 0) | (labels > 9))
    if bad.size:
        raise ValueError(f"{os.fspath(path)}: label {labels[bad[0]]} outside 0..9 "
                         f"(data row {bad[0] + 1})")
    bad = np.flatnonzero(((pixels < 0) | (pixels > 255)).any(axis=1))
    if bad.size:
        raise ValueError(f"{os.fspath(path)}: pixel values outside 0..255 (data row {bad[0] + 1})")
    images = pixels.astype(np.uint8).reshape(len(rows), 28, 28)
    return _prepare(images, labels.astype(np.uint8), normalize, flatten, one_hot_label,
                    input_range, dtype)
