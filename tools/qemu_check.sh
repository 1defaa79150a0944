#!/usr/bin/env bash
# One wheel on every x86-64 CPU: the wheel given, or one built as a user would
# (`pip wheel .` from a clean copy of the tree), installed into a fresh virtual
# environment; tools/cpu_smoke.py is run natively and on CPUs emulated by qemu-user:
#
#   -cpu Nehalem   SSE4.2, no AVX: the kernels must run at the baseline (SSE2) level,
#                  and NNCORE_SIMD=avx2 must be an ImportError, not SIGILL
#   -cpu Haswell   AVX2 + FMA, no AVX-512: the avx2 level; NNCORE_SIMD=avx512 refused
#
# What qemu 7.2 (Debian 12) shows a program, checked with cpuid and xgetbv: Nehalem
# has no OSXSAVE and no AVX; Haswell has OSXSAVE, AVX, FMA and AVX2 with XCR0 = 0x7
# (x87, SSE and AVX state enabled); qemu's TCG cannot emulate AVX-512 at all (it drops
# the AVX-512 bits of Skylake-Server and the like), so the avx512 level is checked only
# on real CPUs that have it.  An AVX instruction under -cpu Nehalem is SIGILL, as on
# the real CPU.
#
# Usage: bash tools/qemu_check.sh [WHEEL]   (needs qemu-x86_64: apt-get install qemu-user)
set -euo pipefail
given=""
if [[ $# -gt 0 ]]; then
    [[ -f $1 ]] || { echo "qemu_check: no wheel at $1" >&2; exit 1; }
    given=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
fi
cd "$(dirname "$0")/.."

if [[ $(uname -m) != x86_64 ]]; then
    echo "qemu_check: emulates x86-64 CPUs on an x86-64 host only; this is $(uname -m)" >&2
    exit 1
fi
command -v qemu-x86_64 > /dev/null || { echo "qemu_check: qemu-x86_64 not found (apt-get install qemu-user)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
if [[ -n $given ]]; then
    wheel=$given
else
    mkdir "$work/src" "$work/wheels"
    cp -r setup.py pyproject.toml README.md nncore "$work/src/"
    rm -rf "$work/src/nncore/"*.so "$work/src/nncore/_kernels_c.c"
    python3 -m pip wheel --quiet --no-deps --no-cache-dir -w "$work/wheels" "$work/src"
    wheel=$(ls "$work/wheels"/*.whl)
fi
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "$wheel"
echo "qemu_check: $(basename "$wheel") installed in $((SECONDS - start)) s"

# The interpreter, the script and the package come from the venv; run outside the tree.
cp tools/cpu_smoke.py "$work/"
cd "$work"
python=$work/venv/bin/python

run() {  # run LABEL COMMAND...: qemu's warnings about host-only features filtered out
    local t=$SECONDS
    echo "--- $1"
    shift
    "$@" 2> >(grep -v "TCG doesn't support requested feature" >&2)
    echo "    ($((SECONDS - t)) s)"
}

native=$("$python" -c "import nncore._kernels_c as k; print(k.simd_supported()[-1])")
run "native ($native)" "$python" cpu_smoke.py "$native"
run "qemu -cpu Nehalem" qemu-x86_64 -cpu Nehalem "$python" cpu_smoke.py baseline
run "qemu -cpu Nehalem, NNCORE_SIMD=avx2" qemu-x86_64 -cpu Nehalem "$python" cpu_smoke.py --refuses avx2
run "qemu -cpu Haswell" qemu-x86_64 -cpu Haswell "$python" cpu_smoke.py avx2
run "qemu -cpu Haswell, NNCORE_SIMD=avx512" qemu-x86_64 -cpu Haswell "$python" cpu_smoke.py --refuses avx512
echo "qemu_check: the wheel runs on every CPU checked"
