#!/usr/bin/env bash
# usage: build_deb.sh <cpack> <CPackConfig.cmake> <output dir>
# Builds busyard_<version>_<arch>.deb from the build tree into a clean output dir. No network.
set -euo pipefail
trap 'echo "FAIL: command failed at line $LINENO: $BASH_COMMAND" >&2' ERR
cpack="$1" config="$2" out="$3"
rm -rf "$out"
mkdir -p "$out"
"$cpack" -G DEB --config "$config" -B "$out"
ls "$out"/*.deb
