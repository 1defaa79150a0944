"""Build script: declares the compiled kernels and how they are compiled.

Environment switches:

``NNCORE_NO_EXTENSIONS=1``
    build a pure-Python package (the NumPy kernels are used at run time).
``NNCORE_CYTHON_DEBUG=1``
    compile with bounds and wraparound checks on, for debugging the kernels.
"""
import os
import sys
from pathlib import Path

from setuptools import Extension, setup


def _flag(name):
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _extensions():
    if _flag("NNCORE_NO_EXTENSIONS"):
        return []
    from Cython.Build import cythonize

    debug = _flag("NNCORE_CYTHON_DEBUG")
    directives = {
        "language_level": 3,
        "boundscheck": debug,
        "wraparound": debug,
        "initializedcheck": debug,
        "cdivision": True,
        "embedsignature": True,
    }
    if sys.platform == "win32":
        compile_args = ["/O2"]
    else:
        compile_args = ["-O3"] + (["-UNDEBUG", "-O1", "-g"] if debug else [])
    macros = [
        ("NNCORE_CYTHON_DEBUG", "1" if debug else "0"),
        ("NNCORE_CFLAGS", '"' + " ".join(compile_args) + '"'),
    ]
    extensions = [
        Extension(
            f"nncore.{path.stem}",
            [str(path)],
            extra_compile_args=compile_args,
            define_macros=macros,
        )
        for path in sorted(Path("src_pyx").glob("*.pyx"))
    ]
    # Generated C files depend on the directives, so a debug build must not reuse a
    # release build's .c file (and vice versa): cythonize with force when they differ.
    return cythonize(
        extensions,
        compiler_directives=directives,
        force=True,
        quiet=True,
    )


setup(ext_modules=_extensions())
