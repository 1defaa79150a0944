"""Choose the kernel backend once, at import.

``NNCORE_IMPLEMENTATION`` selects it:

``auto`` (default)
    the compiled extension when it is installed; a pure install uses NumPy
    silently, and an extension that exists but fails to import falls back to
    NumPy with a warning that says why.
``cython``
    the compiled extension or an ImportError that says how to build it.
``python``
    the NumPy kernels; the extension is never imported.

``NNCORE_SIMD`` selects the compiled kernels' instruction-set level:
``auto`` (default: the widest the CPU and the OS support), ``baseline`` (SSE2
on x86-64, NEON on aarch64), ``avx2`` or ``avx512``.  A level this CPU lacks is
an ImportError that names the levels it has.
"""
import importlib.util
import os
import warnings

from . import _environment, _kernels_py

REQUESTED = _environment.implementation()

FALLBACK_REASON = None
_BUILD_HINT = (
    "build it with `pip install .` from a source checkout (needs a C compiler; "
    "Cython is fetched by pip), or set NNCORE_IMPLEMENTATION=python to use the "
    "NumPy kernels"
)

if REQUESTED == "python":
    impl = _kernels_py
    FALLBACK_REASON = "NNCORE_IMPLEMENTATION=python"
else:
    try:
        from . import _kernels_c as impl
    except ImportError as exc:
        if REQUESTED == "cython":
            raise ImportError(
                f"NNCORE_IMPLEMENTATION=cython but the compiled extension "
                f"nncore._kernels_c cannot be imported ({exc}); {_BUILD_HINT}"
            ) from exc
        impl = _kernels_py
        _here = os.path.dirname(os.path.abspath(__file__))
        if importlib.util.find_spec(__package__ + "._kernels_c") is not None:
            FALLBACK_REASON = f"the compiled extension failed to import: {exc}"
        elif os.path.exists(os.path.join(_here, os.pardir, "setup.py")):
            # Python put the current folder, a source checkout, ahead of the installed
            # package, and that tree holds no compiled kernels.
            FALLBACK_REASON = (
                f"nncore was imported from the source checkout {os.path.dirname(_here)}, "
                "which holds no compiled kernels; run Python from another folder to use "
                "the installed package"
            )
        if FALLBACK_REASON:
            warnings.warn(
                f"nncore: using the NumPy kernels because {FALLBACK_REASON}",
                RuntimeWarning,
                stacklevel=2,
            )
        else:
            FALLBACK_REASON = "the compiled extension is not installed (pure build)"

BACKEND = "python" if impl is _kernels_py else "cython"

#: Activation and loss codes, as both kernel modules take them (a test checks they agree).
ACTIVATION_CODES = _kernels_py.ACTIVATION_CODES
LOSS_CODES = _kernels_py.LOSS_CODES
UPDATE_CODES = _kernels_py.UPDATE_CODES

SIMD_REQUESTED = _environment.simd()
if BACKEND == "cython":
    try:
        impl.select_simd(SIMD_REQUESTED)
    except ValueError as exc:
        raise _environment.EnvironmentVariableError(str(exc)) from None
