# Shared by tools/bootstrap and tools/test: install what is missing, then build.
# Sourced, not run.

KC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KC_BUILD="${KC_BUILD:-$KC_ROOT/build}"

kc_say() { printf '%s\n' "kernelcoach setup: $*" >&2; }

# Installs the distribution's packages for whatever is missing. Nothing is installed when
# everything is present (the GPU machine has no package access and needs none).
kc_install_deps() {
    local missing=()
    command -v cmake >/dev/null || missing+=(cmake)
    command -v ninja >/dev/null || missing+=(ninja-build)
    command -v g++ >/dev/null || missing+=(g++)
    [ -e /usr/include/CLI/CLI.hpp ] || missing+=(libcli11-dev)
    [ -e /usr/include/fmt/format.h ] || missing+=(libfmt-dev)
    [ -e /usr/include/nlohmann/json.hpp ] || missing+=(nlohmann-json3-dev)
    [ -e /usr/include/gtest/gtest.h ] || missing+=(libgtest-dev)
    if [ ${#missing[@]} -gt 0 ]; then
        kc_say "installing ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        if ! command -v apt-get >/dev/null; then
            kc_say "apt-get not found: install these yourself: ${missing[*]}"
            return 1
        fi
        $sudo apt-get update -qq >/dev/null && \
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null || {
            kc_say "could not install: ${missing[*]}"
            return 1
        }
    fi
    if ! command -v nvcc >/dev/null && [ ! -e /usr/local/cuda/include/nvrtc.h ]; then
        kc_say "the CUDA Toolkit (12.4 or newer, with NVRTC, cuBLAS and cuDNN) is not installed."
        kc_say "install it from NVIDIA's packages, or point CUDAToolkit_ROOT at it."
        return 1
    fi
    kc_install_cudnn_frontend || return 1
    return 0
}

# cuDNN's C++ frontend (the graph API behind the SDPA and norm references) is header-only and
# ships in the nvidia-cudnn-frontend wheel on PyPI, under include/. Only those headers (3 MB)
# are unpacked, into a folder git ignores; CMake looks there. A machine that cannot download
# (the GPU machine) gets the folder carried over instead: then nothing is done here.
KC_CUDNN_FRONTEND_VERSION=1.32.0
KC_CUDNN_FRONTEND_DIR="$KC_ROOT/.deps/cudnn-frontend"
kc_install_cudnn_frontend() {
    local dir="$KC_CUDNN_FRONTEND_DIR"
    if [ -e "$dir/include/cudnn_frontend.h" ] &&
        [ "$(cat "$dir/VERSION" 2>/dev/null)" = "$KC_CUDNN_FRONTEND_VERSION" ]; then
        return 0
    fi
    if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
        kc_say "python3 with pip is needed once, to fetch cuDNN's C++ frontend headers (nvidia-cudnn-frontend)"
        return 1
    fi
    kc_say "fetching the cuDNN frontend headers (nvidia-cudnn-frontend $KC_CUDNN_FRONTEND_VERSION) into $dir"
    local tmp
    tmp=$(mktemp -d) || return 1
    # Any wheel of the release holds the same headers: ask for one that exists whatever this
    # machine's Python is, and never for a source package (pip would build it).
    if ! python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.11 \
        --platform manylinux_2_28_x86_64 -d "$tmp" "nvidia-cudnn-frontend==$KC_CUDNN_FRONTEND_VERSION" >&2; then
        kc_say "could not download nvidia-cudnn-frontend $KC_CUDNN_FRONTEND_VERSION from PyPI"
        rm -rf "$tmp"
        return 1
    fi
    rm -rf "$dir.partial" && mkdir -p "$dir.partial" && python3 - "$tmp" "$dir.partial" <<'PY' || { rm -rf "$tmp" "$dir.partial"; return 1; }
import glob, os, shutil, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    z.extractall(sys.argv[2], [n for n in names if n.startswith("include/")])
    for n in names:  # the licences travel with the headers
        if "/licenses/" in n and not n.endswith("/"):
            with z.open(n) as src, open(os.path.join(sys.argv[2], os.path.basename(n)), "wb") as dst:
                shutil.copyfileobj(src, dst)
PY
    echo "$KC_CUDNN_FRONTEND_VERSION" >"$dir.partial/VERSION"
    rm -rf "$tmp" "$dir" && mv "$dir.partial" "$dir"
}

# Builds the named targets (all of them when none is named), showing ninja's progress.
kc_build() {
    local cuda_root="" targets=()
    [ -d /usr/local/cuda ] && cuda_root="-DCUDAToolkit_ROOT=/usr/local/cuda"
    for t in "$@"; do targets+=(--target "$t"); done
    cmake -S "$KC_ROOT" -B "$KC_BUILD" -G Ninja $cuda_root ${KC_CMAKE_ARGS:-} >/dev/null || return 1
    kc_say "building ${*:-everything} in $KC_BUILD ($(nproc) cores)"
    local t0=$SECONDS
    cmake --build "$KC_BUILD" "${targets[@]}" || return 1
    kc_say "built in $((SECONDS - t0)) s"
}
