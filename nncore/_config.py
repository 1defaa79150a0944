"""``show_config()``: what nncore runs on, for bug reports and for checking a build."""
import platform
import sys

import numpy as np

from . import _kernels
from ._version import __version__


def _simd():
    """The compiled kernels' instruction-set level, the levels the CPU supports, the request."""
    impl = _kernels.impl
    if not hasattr(impl, "simd_level"):
        return None
    return {
        "level": impl.simd_describe(),
        "supported": impl.simd_supported(),
        "requested": _kernels.SIMD_REQUESTED,
    }


def config():
    """Return the facts that :func:`show_config` prints, as a dict."""
    info = {
        "nncore": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "numpy": np.__version__,
        "backend": _kernels.BACKEND,
        "requested": _kernels.REQUESTED,
        "fallback_reason": _kernels.FALLBACK_REASON,
        "build": dict(getattr(_kernels.impl, "BUILD_INFO", {})),
        "threads": _kernels.impl.get_num_threads(),
        "simd": _simd(),
    }
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["numpy_blas"] = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older numpy: no machine-readable config
        info["numpy_blas"] = "unknown"
    return info


def show_config(file=None):
    """Print versions, the kernel backend, why a fallback happened and build flags.

    Parameters
    ----------
    file : file-like, optional
        Where to print (default: ``sys.stdout``).

    Examples
    --------
    >>> import nncore
    >>> nncore.show_config()  # doctest: +ELLIPSIS
    nncore:          ...
    backend:         ...
    """
    info = config()
    out = file if file is not None else sys.stdout
    lines = [
        ("nncore", info["nncore"]),
        ("backend", info["backend"]),
        ("requested", f"NNCORE_IMPLEMENTATION={info['requested']}"),
    ]
    lines.append(("threads", f"{info['threads']} (nncore.set_num_threads, NNCORE_NUM_THREADS)"))
    if info["simd"]:
        simd = info["simd"]
        lines.append(("simd", f"{simd['level']}; CPU supported: {', '.join(simd['supported'])}"
                              f" (NNCORE_SIMD={simd['requested']})"))
    if info["fallback_reason"]:
        lines.append(("fallback reason", info["fallback_reason"]))
    for key, value in info["build"].items():
        lines.append((f"build {key}", value))
    lines += [
        ("python", info["python"]),
        ("platform", info["platform"]),
        ("numpy", info["numpy"]),
        ("numpy BLAS", info["numpy_blas"]),
    ]
    for key, value in lines:
        print(f"{key + ':':<16} {value}", file=out)
