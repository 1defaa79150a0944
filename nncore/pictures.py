"""Pictures of digits: one MNIST image or a captioned grid of them, as PNG.

Needs Pillow (``pip install "nncore-dlfs[pictures]"``).
"""
import math
import os

import numpy as np

from ._atomic import atomic_write
from ._validation import positive_int

__all__ = ["save_digits"]


def _pillow():
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        raise ImportError(
            "save_digits needs Pillow: install it with pip install \"nncore-dlfs[pictures]\" "
            "(or pip install Pillow)"
        ) from None
    return Image, ImageDraw, ImageFont


def _as_images(images):
    a = np.asarray(images)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"images must be numeric; got dtype {a.dtype}")
    if a.ndim >= 1 and a.shape[-1] == 784 and a.ndim <= 2:
        a = a.reshape(-1, 28, 28)
    elif a.shape[-2:] == (28, 28) and a.ndim in (2, 3, 4):
        a = a.reshape(-1, 28, 28)
    else:
        raise ValueError("images must be one digit (784,), (28, 28) or a batch (N, 784), "
                         f"(N, 28, 28) or (N, 1, 28, 28); got shape {a.shape}")
    if a.dtype.kind == "f":
        a = np.clip(np.nan_to_num(a), 0.0, 1.0) * 255.0  # normalized pixels
    return np.clip(a, 0, 255).astype(np.uint8)


def _captions(values, n, name):
    if values is None:
        return None
    v = np.asarray(values).reshape(-1)
    if v.shape[0] != n:
        raise ValueError(f"{name} must hold one label per image ({n}); got {v.shape[0]}")
    return v


def save_digits(path, images, labels=None, predicted=None, ncols=10, scale=3):
    """Write one digit or a grid of digits to a PNG file, with optional captions.

    Digits are drawn dark on white.  With ``labels`` each digit is captioned with
    its true label; with ``predicted`` too, the caption reads ``true→predicted``
    and misclassified digits are captioned in red.

    Parameters
    ----------
    path : str or os.PathLike
        The PNG file to write.
    images : array_like
        One image ``(784,)`` / ``(28, 28)`` or a batch ``(N, 784)``,
        ``(N, 28, 28)``, ``(N, 1, 28, 28)``; uint8 pixels 0..255 or normalized
        floats in [0, 1].
    labels, predicted : array_like, optional
        True and predicted label per image.
    ncols : int
        Digits per row of the grid.
    scale : int
        Pixels per MNIST pixel.

    Returns
    -------
    (width, height) of the written picture.

    Examples
    --------
    >>> import os, tempfile
    >>> from nncore.datasets import load_mnist
    >>> from nncore.pictures import save_digits
    >>> x, t = load_mnist(split="test")
    >>> save_digits(os.path.join(tempfile.mkdtemp(), "digits.png"), x[:20], labels=t[:20])
    (880, 212)
    """
    Image, ImageDraw, ImageFont = _pillow()
    imgs = _as_images(images)
    n = imgs.shape[0]
    if n == 0:
        raise ValueError("images holds no digit to draw")
    labels = _captions(labels, n, "labels")
    predicted = _captions(predicted, n, "predicted")
    scale = positive_int(scale, "scale")
    ncols = min(positive_int(ncols, "ncols"), n)
    nrows = math.ceil(n / ncols)
    cell = 28 * scale
    caption = 18 if labels is not None or predicted is not None else 0
    pad = 2
    width, height = ncols * (cell + 2 * pad), nrows * (cell + caption + 2 * pad)
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    for i in range(n):
        r, c = divmod(i, ncols)
        x0, y0 = c * (cell + 2 * pad) + pad, r * (cell + caption + 2 * pad) + pad
        digit = Image.fromarray(255 - imgs[i], mode="L").resize((cell, cell), Image.NEAREST)
        canvas.paste(digit.convert("RGB"), (x0, y0))
        if caption:
            text, color = "", "black"
            if labels is not None:
                text = str(labels[i])
            if predicted is not None:
                text = f"{text}->{predicted[i]}" if text else str(predicted[i])
                if labels is not None and labels[i] != predicted[i]:
                    color = "red"
            draw.text((x0 + 2, y0 + cell + 2), text, fill=color, font=font)
    os.makedirs(os.path.dirname(os.path.abspath(os.fspath(path))), exist_ok=True)
    with atomic_write(path) as f:
        canvas.save(f, format="PNG")
    return canvas.size
