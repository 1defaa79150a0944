"""Build script: declares the compiled kernels and how they are compiled.

Environment switches:

``NNCORE_NO_EXTENSIONS=1``
    build a pure-Python package (the NumPy kernels are used at run time).
``NNCORE_CYTHON_DEBUG=1``
    compile with bounds and wraparound checks on, for debugging the kernels.
``NNCORE_NO_OPENMP=1``
    build without OpenMP (large batches then run on one thread only).
``NNCORE_PORTABLE=1``
    compile for the architecture's baseline instruction set (a wheel that runs on
    any CPU of the architecture).  By default a source build targets the building
    machine's CPU (``-march=native``, AVX2/AVX-512 where present) when the
    compiler accepts it.
"""
import os
import sys
from pathlib import Path

from setuptools import Extension, setup


def _flag(name):
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _compiler_accepts(flag):
    """True when the C compiler builds a trivial file with ``flag``."""
    import tempfile

    from setuptools._distutils.ccompiler import new_compiler
    from setuptools._distutils.errors import CompileError
    from setuptools._distutils.sysconfig import customize_compiler

    compiler = new_compiler()
    customize_compiler(compiler)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write("int main(void) { return 0; }\n")
        try:
            compiler.compile([src], output_dir=tmp, extra_postargs=[flag])
        except CompileError:
            return False
    return True


def _target_flags():
    if sys.platform == "win32" or _flag("NNCORE_PORTABLE"):
        return []
    for flag in ("-march=native", "-mcpu=native"):
        if _compiler_accepts(flag):
            return [flag]
    return []


def _openmp_flags():
    """(compile, link) flags for OpenMP, or empty lists when unavailable or disabled."""
    if _flag("NNCORE_NO_OPENMP"):
        return [], []
    if sys.platform == "win32":
        return ["/openmp"], []
    if _compiler_accepts("-fopenmp"):
        return ["-fopenmp"], ["-fopenmp"]
    return [], []


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
        compile_args = ["-O3"] + _target_flags() + (["-UNDEBUG", "-O1", "-g"] if debug else [])
    omp_compile, omp_link = _openmp_flags()
    compile_args += omp_compile
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
            include_dirs=["src_pyx"],
            extra_link_args=omp_link,
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
