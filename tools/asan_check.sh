#!/usr/bin/env bash
# Memory-safety check: build nncore's extension with AddressSanitizer and
# UndefinedBehaviorSanitizer, and Cython's bounds and wraparound checks on
# (NNCORE_CYTHON_DEBUG=1), in a scratch virtual environment, and run the suite on the
# compiled backend against it. Any out-of-bounds access, use-after-free, double free
# or undefined behaviour in the kernels aborts the run (non-zero exit); an index out
# of range in the Cython code is an IndexError that fails a test.
#
# Usage: bash tools/asan_check.sh   (from anywhere; needs gcc or clang with libasan)
#        bash tools/asan_check.sh build DIR, then bash tools/asan_check.sh test DIR:
#        the same in two steps, the instrumented build kept in DIR in between (CI builds
#        while other steps run)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

phase=all
case ${1:-} in
    "") ;;
    build | test) phase=$1; work=${2:?usage: tools/asan_check.sh [build|test DIR]} ;;
    *) echo "usage: tools/asan_check.sh [build|test DIR]" >&2; exit 2 ;;
esac
if [[ $phase == all ]]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi

libasan=$(${CC:-gcc} -print-file-name=libasan.so)
libubsan=$(${CC:-gcc} -print-file-name=libubsan.so)
if [[ ! -e "$libasan" ]]; then
    echo "asan_check: libasan.so not found for ${CC:-gcc}" >&2
    exit 1
fi

if [[ $phase != test ]]; then
    mkdir -p "$work"
    python3 -m venv "$work/venv"
    # shellcheck disable=SC1091
    . "$work/venv/bin/activate"
    # Build from a clean copy: a build/ tree or cached wheel of an earlier (debug or
    # release) build must not stand in for the instrumented one.
    mkdir "$work/src"
    cp -r setup.py pyproject.toml README.md nncore "$work/src/"
    rm -rf "$work/src/nncore/"*.so "$work/src/nncore/_kernels_c.c"
    # On a CPU with AVX2 but without AVX-512, the AVX-512 level is built with its own tile
    # shapes and vector widths on AVX2 instructions (NNCORE_AVX512_ON_AVX2, setup.py), and
    # the suite below runs at that level (auto picks it; tests/test_simd.py switches
    # through all three): its code paths are checked here too.
    shape=0
    if [[ -r /proc/cpuinfo ]] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo \
            && ! grep -qw avx512f /proc/cpuinfo; then
        shape=1
    fi
    # AddressSanitizer and UndefinedBehaviorSanitizer; any undefined behaviour aborts.
    NNCORE_AVX512_ON_AVX2=$shape NNCORE_CYTHON_DEBUG=1 \
    CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g" \
    LDFLAGS="-fsanitize=address,undefined" \
        pip install --quiet --no-cache-dir "$work/src"
    # what the tests below need (not the other libraries of the test extra, whose tests
    # are left out)
    pip install --quiet pytest pytest-xdist hypothesis Pillow tqdm cloudpickle
    echo "$shape" > "$work/shape"
    echo "asan_check: instrumented build ready in $work"
fi
if [[ $phase == build ]]; then exit 0; fi

# shellcheck disable=SC1091
. "$work/venv/bin/activate"
shape=$(cat "$work/shape")

# The interpreter is not instrumented: preload the runtime; leaks of CPython itself
# are not nncore's, so leak detection stays off (tests/test_reliability.py measures
# nncore's memory growth instead).
export LD_PRELOAD="$libasan $libubsan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# allocator_may_return_null: an impossible size (a hostile test asks for 32 TB) must
# reach NumPy as a failed allocation (MemoryError), as without ASan, not abort.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:detect_odr_violation=0:allocator_may_return_null=1"
export NNCORE_IMPLEMENTATION=cython
cd "$work"
python -c "import nncore; assert nncore.BACKEND == 'cython'"
so=$(python -c "import nncore._kernels_c as m; print(m.__file__)")
# (nm's output is captured first: with pipefail, grep -q closing the pipe early
# would make nm fail with SIGPIPE and the check fail at random)
symbols=$(nm -D "$so")
if ! grep -q "__asan_report" <<< "$symbols"; then
    echo "asan_check: $so is not instrumented (CFLAGS did not reach the build)" >&2
    exit 1
fi
info=$(nncore info)
grep -q "build debug: *True" <<< "$info" \
    || { echo "asan_check: the build has no bounds checks (NNCORE_CYTHON_DEBUG did not reach it)" >&2; exit 1; }
if [[ $shape == 1 ]]; then
    level=$(python -c "import nncore._kernels_c as k; print(k.simd_level())")
    [[ $level == avx512 ]] \
        || { echo "asan_check: the AVX-512 level on AVX2 was not chosen (got $level)" >&2; exit 1; }
    echo "asan_check: running at the avx512 level built on AVX2 instructions (no AVX-512 here)"
fi
# Every test, on the compiled backend only (the NumPy twin has no memory to corrupt),
# but those that train on the full MNIST files for minutes (slow under ASan), those of
# other libraries' models and optional extras, the resident-memory test (ASan keeps freed memory in
# quarantine on purpose), and the fuzzing of the MNIST file reader (NumPy and Python code only,
# no kernel: 0.2 s without the sanitizers, 90 s with them).
# (on every core, pytest-xdist; NumPy's BLAS on one thread in each process)
OPENBLAS_NUM_THREADS=1 NNCORE_TEST_BACKENDS=cython pytest -n auto --dist worksteal -q \
    -p no:cacheprovider --capture=sys -m "not slow" \
    -o addopts="--import-mode=importlib" "$repo/tests" \
    --ignore="$repo/tests/test_sklearn.py" --ignore="$repo/tests/test_sklearn_checks.py" \
    --ignore="$repo/tests/test_interop.py" --ignore="$repo/tests/test_untrusted_onnx.py" \
    -k "not mnist and not book_chapter5 and not make_your_own and not readme and not dask \
        and not grow_memory and not fuzz_idx_reader"
echo "asan_check: no memory errors or undefined behaviour in nncore's kernels"
