#!/usr/bin/env bash
# Busyard's two set-up commands (see README.md):
#   ./busyard.sh run    install what is missing, build, launch the app on the embedded emulator
#   ./busyard.sh test   install what is missing (apt + npm ci), build, run every test
# Both are idempotent and quick when nothing is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="${BUSYARD_BUILD_DIR:-$here/build}"
jobs="${BUSYARD_JOBS:-$(nproc)}"
# Let ccache share results between clones in different folders (CI builds a fresh clone each time).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$here}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"

# Debian 12 packages the build, the tests and the app need.
apt_packages=(
    cmake ninja-build g++ ccache pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-declarative-dev qt6-svg-dev libqt6sql6-sqlite libgl-dev
    libqscintilla2-qt6-dev qtkeychain-qt6-dev
    nlohmann-json3-dev libspdlog-dev libfmt-dev libqpid-proton-cpp12-dev libsqlite3-dev libbenchmark-dev
    desktop-file-utils appstream dpkg-dev file jq
    python3-azure python3-uamqp
    libssl-dev qt6-websockets-dev
    nodejs npm xvfb xauth
)

log() { printf '\033[1m[busyard]\033[0m %s\n' "$*" >&2; }

install_apt() {
    local missing=()
    for p in "${apt_packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$p")
        fi
    done
    # node/npm may come from elsewhere than Debian (for example a newer Node.js): accept those.
    if command -v node >/dev/null && command -v npm >/dev/null; then
        local kept=()
        for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || kept+=("$p"); done
        missing=("${kept[@]}")
    fi
    [[ ${#missing[@]} -eq 0 ]] && return 0
    log "installing Debian packages: ${missing[*]}"
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        if command -v sudo >/dev/null; then
            sudo=(sudo)
        else
            log "error: packages are missing and this is neither root nor has sudo: run as root, or install: ${missing[*]}"
            exit 1
        fi
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_npm() {
    local dir="$here/tests/sdk"
    [[ -f "$dir/package-lock.json" ]] || return 0
    # npm ci only when the lock file changed since the last install.
    local stamp="$dir/node_modules/.busyard-lock"
    if [[ -f "$stamp" ]] && cmp -s "$stamp" "$dir/package-lock.json"; then
        return 0
    fi
    log "installing test clients (npm ci in tests/sdk)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
}

configure_and_build() {
    # Configure once; the test command re-runs it (quick) to insist on the SDK conformance clients.
    if [[ ! -f "$build_dir/build.ninja" || $# -gt 0 ]]; then
        log "configuring in $build_dir"
        cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
    fi
    log "building"
    cmake --build "$build_dir" --parallel "$jobs"
}

cmd="${1:-}"
shift || true
case "$cmd" in
run)
    install_apt
    configure_and_build
    log "launching Busyard"
    exec "$build_dir/app/busyard" --sample-namespace "$@"
    ;;
test)
    install_apt
    install_npm
    configure_and_build -DBUSYARD_REQUIRE_SDK_TESTS=ON
    log "running tests"
    cd "$build_dir"
    ctest --output-on-failure --parallel "$jobs" --timeout 600 "$@"
    ;;
*)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac
