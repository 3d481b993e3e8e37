#!/usr/bin/env bash
# A throwaway venv with the real OpenStack Swift and keystonemiddleware, for the test that
# puts an external Swift behind cheptel's catalog (tests/integration/objectstore/
# test_external_swift.py). Cached: a second run only checks the stamp.
# Usage: scripts/swift_venv.sh [DIR]   (default $CHEPTEL_SWIFT_VENV, else
#   /var/cache/cheptel/swift-venv when /var/cache is writable, else ~/.cache/cheptel/swift-venv)
# Swift runs on eventlet: it cannot share cheptel's venv or process, only run beside it.
set -euo pipefail

default=/var/cache/cheptel/swift-venv
if [ ! -w /var/cache ] && [ ! -w /var/cache/cheptel ]; then
  default=$HOME/.cache/cheptel/swift-venv
fi
DIR=${1:-${CHEPTEL_SWIFT_VENV:-$default}}
PY=${PYTHON:-python3}
# pinned: what the test was written against (docs/object-store.md, "An external Swift")
PACKAGES=(swift==2.38.3 keystonemiddleware==13.0.1)
want="${PACKAGES[*]}"
stamp="$DIR/.cheptel-installed"

if [ -x "$DIR/bin/swift-proxy-server" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
mkdir -p "$(dirname "$DIR")"
tmp="$DIR.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
"$PY" -m venv "$tmp"
if ! "$tmp/bin/pip" install --disable-pip-version-check --no-compile -q "${PACKAGES[@]}" \
    >"$tmp.log" 2>&1; then
  tail -n 30 "$tmp.log"
  echo "swift_venv: pip failed" >&2
  exit 1
fi
rm -f "$tmp.log"
# a venv's scripts name their interpreter by absolute path: rebuild them for the final place
rm -rf "$DIR"
mv "$tmp" "$DIR"
trap - EXIT
"$PY" -m venv --upgrade "$DIR" >/dev/null
for script in "$DIR"/bin/*; do
  if head -c 128 "$script" | grep -q "^#!$tmp/bin/python"; then
    sed -i "1s|^#!$tmp/bin/python|#!$DIR/bin/python|" "$script"
  fi
done
"$DIR/bin/python" -c "import swift.proxy.server, keystonemiddleware.auth_token"
echo "$want" > "$stamp"
