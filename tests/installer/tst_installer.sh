#!/usr/bin/env bash
# usage: tst_installer.sh <package dir> <version> <app id>
# Checks the Debian package that build_deb.sh made: files in the standard places, control fields,
# that every library the binary links comes from a package named in Depends, the .desktop file
# (desktop-file-validate) and the AppStream metainfo (appstreamcli validate --no-net).
set -euo pipefail
trap 'echo "FAIL: command failed at line $LINENO: $BASH_COMMAND" >&2' ERR
dir="$1" version="$2" app_id="$3"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "PASS: $*"; }

shopt -s nullglob
debs=("$dir"/busyard_*.deb)
[[ ${#debs[@]} -eq 1 ]] || { echo "FAIL: expected one busyard_*.deb in $dir, found ${#debs[@]}" >&2; exit 1; }
deb="${debs[0]}"
echo "package: $deb"

# 1. Files in the standard places.
contents="$(dpkg-deb -c "$deb" | awk '{print $NF}')"
for path in \
    ./usr/bin/busyard \
    "./usr/share/icons/hicolor/scalable/apps/$app_id.svg" \
    "./usr/share/applications/$app_id.desktop" \
    "./usr/share/metainfo/$app_id.metainfo.xml"; do
    if grep -qxF "$path" <<<"$contents"; then pass "contains $path"; else fail "missing $path"; fi
done

# 2. Control fields.
[[ "$(dpkg-deb -f "$deb" Package)" == busyard ]] && pass "Package: busyard" || fail "Package field"
[[ "$(dpkg-deb -f "$deb" Version)" == "$version" ]] && pass "Version: $version" || fail "Version field is $(dpkg-deb -f "$deb" Version)"
depends="$(dpkg-deb -f "$deb" Depends)"
echo "Depends: $depends"
depends_names="$(tr ',|' '\n\n' <<<"$depends" | sed -E 's/\(.*\)//; s/[[:space:]]//g' | grep -v '^$' | sort -u)"
for required in libqt6core6 libqt6gui6 libqt6widgets6 libqt6svg6 libspdlog1.10 libfmt9 libc6 libstdc++6; do
    grep -qxF "$required" <<<"$depends_names" && pass "Depends names $required" || fail "Depends lacks $required"
done

dpkg-deb -I "$deb" >/dev/null && pass "control file readable" || fail "dpkg-deb -I"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/root"

# 3. Every shared library the binary needs directly comes from a package listed in Depends.
binary="$work/root/usr/bin/busyard"
[[ -x "$binary" ]] && pass "binary is executable" || fail "binary not executable"
needed="$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
ldcache="$(ldconfig -p)" # read once: an early-exiting reader on a pipe would SIGPIPE ldconfig
while read -r soname; do
    [[ -n "$soname" ]] || continue
    path="$(awk -v so="$soname" '$1 == so && /x86-64|x86_64/ && !found {print $NF; found = 1}' <<<"$ldcache")"
    [[ -n "$path" ]] || path="$(awk -v so="$soname" '$1 == so && !found {print $NF; found = 1}' <<<"$ldcache")"
    if [[ -z "$path" ]]; then fail "cannot resolve $soname"; continue; fi
    owner="$( (dpkg -S "$(readlink -f "$path")" 2>/dev/null || true) | sed -n '1s/:.*//p')"
    [[ -n "$owner" ]] || owner="$( (dpkg -S "$path" 2>/dev/null || true) | sed -n '1s/:.*//p')"
    if [[ -z "$owner" ]]; then fail "no Debian package owns $path ($soname)"; continue; fi
    if grep -qxF "$owner" <<<"$depends_names"; then pass "$soname -> $owner (in Depends)"; else fail "$soname comes from $owner, which Depends does not name"; fi
done <<<"$needed"

# 4. The packaged binary runs and reports the version (no display needed for --version).
out="$("$binary" --version 2>&1 || true)"
[[ "$out" == "Busyard $version" ]] && pass "busyard --version: $out" || fail "busyard --version printed: $out"

# 5. Desktop entry: valid, launches the packaged binary, names the packaged icon.
desktop="$work/root/usr/share/applications/$app_id.desktop"
if desktop-file-validate "$desktop"; then pass "desktop-file-validate"; else fail "desktop-file-validate"; fi
exec_name="$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop")"
[[ -x "$work/root/usr/bin/$exec_name" ]] && pass "Exec=$exec_name is packaged" || fail "Exec=$exec_name not in /usr/bin"
icon_name="$(sed -n 's/^Icon=//p' "$desktop")"
[[ -f "$work/root/usr/share/icons/hicolor/scalable/apps/$icon_name.svg" ]] && pass "Icon=$icon_name is packaged" || fail "Icon=$icon_name not packaged"

# 6. AppStream metainfo: valid offline, id and launchable agree with the desktop file.
metainfo="$work/root/usr/share/metainfo/$app_id.metainfo.xml"
if appstreamcli validate --no-net "$metainfo"; then pass "appstreamcli validate --no-net"; else fail "appstreamcli validate"; fi
grep -q "<id>$app_id</id>" "$metainfo" && pass "metainfo id" || fail "metainfo id is not $app_id"
grep -q "<launchable type=\"desktop-id\">$app_id.desktop</launchable>" "$metainfo" && pass "metainfo launchable" || fail "metainfo launchable"
grep -q "<release version=\"$version\"" "$metainfo" && pass "metainfo release $version" || fail "metainfo release"

# 7. The icon is a real SVG.
icon="$work/root/usr/share/icons/hicolor/scalable/apps/$app_id.svg"
grep -q "<svg" "$icon" && pass "icon is SVG" || fail "icon is not SVG"

if [[ $failures -ne 0 ]]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "all installer checks passed"
