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
    return 0
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
