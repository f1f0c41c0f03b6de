#!/usr/bin/env bash
# Regenerates the main-window screenshots (light and dark) from a built tree, on a virtual display.
#   docs/screenshots/capture.sh [build dir]      (default: build)
# Uses busyard's hidden --screenshot <file> option (grab the window once shown, then quit) with a
# throw-away settings directory, so the user's settings are neither used nor changed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../../build}"
settings="$(mktemp -d)"
trap 'rm -rf "$settings"' EXIT
for theme in light dark; do
    out="$here/main-window.png"
    [[ $theme == dark ]] && out="$here/main-window-dark.png"
    rm -rf "${settings:?}"/*
    xvfb-run -a -s "-screen 0 1280x800x24" "$build/app/busyard" \
        --settings-dir "$settings" --theme "$theme" --screenshot "$out"
    echo "wrote $out"
done
