#!/usr/bin/env bash
# nncore on aarch64, emulated: cross-compile the extension for arm64 and run
# tools/cpu_smoke.py with Debian 12's arm64 Python and NumPy under qemu-aarch64.
#
# Nothing arm64 is installed on the machine: Debian's arm64 packages of Python, NumPy
# and the libraries they load are fetched with `apt-get download` and unpacked into a
# scratch root that qemu uses as its library prefix (installing python3:arm64 with
# apt would remove the host's python3).  The extension is built as setup.py builds it:
# Cython's C (release directives) and the kernel sources, -O3 -ffp-contract=off
# -fopenmp, for the architecture's baseline (NEON: the only level on aarch64).
#
# Needs (Debian): apt-get install qemu-user gcc-aarch64-linux-gnu, and
# dpkg --add-architecture arm64 && apt-get update (for apt-get download).
#
# Usage: bash tools/qemu_aarch64_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in qemu-aarch64 aarch64-linux-gnu-gcc apt-get dpkg-deb; do
    command -v $tool > /dev/null || { echo "qemu_aarch64_check: $tool not found" >&2; exit 1; }
done
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "qemu_aarch64_check: dpkg --add-architecture arm64 && apt-get update first" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/debs" "$work/root" "$work/pkg"
start=$SECONDS

# Debian 12's arm64 Python 3.11 and NumPy, unpacked into $work/root.
packages="python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libpython3.11-dev
          python3-numpy libblas3 liblapack3 libgfortran5 libc6 libgcc-s1 libgomp1
          libexpat1 zlib1g libssl3 libbz2-1.0 libcrypt1 libffi8 liblzma5 libuuid1"
(cd "$work/debs" && apt-get download -qq -o APT::Sandbox::User=root $(printf '%s:arm64 ' $packages))
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$work/root"
done
# what update-alternatives would do on installation: the BLAS and LAPACK NumPy loads
lib=$work/root/usr/lib/aarch64-linux-gnu
ln -s blas/libblas.so.3 "$lib/libblas.so.3"
ln -s lapack/liblapack.so.3 "$lib/liblapack.so.3"
export QEMU_LD_PREFIX=$work/root
python=$work/root/usr/bin/python3.11
echo "qemu_aarch64_check: arm64 Python and NumPy unpacked in $((SECONDS - start)) s"

# The C from the .pyx, by the host's Cython (the version pyproject.toml builds with),
# with setup.py's release directives.
python3 -m venv "$work/cython"
"$work/cython/bin/pip" install --quiet "Cython>=3.1"
cp -r nncore "$work/pkg/"
rm -f "$work/pkg/nncore/"*.so "$work/pkg/nncore/_kernels_c.c"
cd "$work/pkg"
"$work/cython/bin/cython" -3 -X boundscheck=False -X wraparound=False \
    -X initializedcheck=False -X cdivision=True -X embedsignature=True \
    nncore/_kernels_c.pyx -o nncore/_kernels_c.c
flags="-O3 -ffp-contract=off -fopenmp"
suffix=$(qemu-aarch64 "$python" -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
aarch64-linux-gnu-gcc $flags -fPIC -shared -Wall -Wno-unused-function \
    -DNNCORE_CYTHON_DEBUG=0 "-DNNCORE_CFLAGS=\"$flags\"" \
    -I"$work/root/usr/include" -I"$work/root/usr/include/python3.11" -Inncore \
    nncore/_kernels_c.c nncore/_kernels_{baseline,avx2,avx512,cpu}.c \
    -o "nncore/_kernels_c$suffix"
echo "qemu_aarch64_check: nncore/_kernels_c$suffix cross-compiled at $((SECONDS - start)) s"

# Run from outside the package folder, with the package on the path.
cp "$OLDPWD/tools/cpu_smoke.py" "$work/"
cd "$work"
export PYTHONPATH=$work/pkg
run() {
    local t=$SECONDS
    echo "--- $1"
    shift
    "$@"
    echo "    ($((SECONDS - t)) s)"
}
run "qemu-aarch64" qemu-aarch64 "$python" cpu_smoke.py baseline
run "qemu-aarch64, NNCORE_SIMD=avx2" qemu-aarch64 "$python" cpu_smoke.py --refuses avx2
echo "qemu_aarch64_check: nncore runs on aarch64 (NEON) in $((SECONDS - start)) s"
