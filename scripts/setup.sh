#!/usr/bin/env bash
# Install what cheptel needs on a fresh Debian machine: system packages, then a venv.
# Idempotent: a second run only checks. Set CHEPTEL_SKIP_APT=1 to skip system packages.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v make >/dev/null || need_apt+=(make)
command -v dockerd >/dev/null || need_apt+=(docker.io)
command -v iptables >/dev/null || need_apt+=(iptables)
command -v ip >/dev/null || need_apt+=(iproute2)
command -v nsenter >/dev/null || need_apt+=(util-linux)
command -v pgrep >/dev/null || need_apt+=(procps)
dpkg -s busybox-static >/dev/null 2>&1 || need_apt+=(busybox-static)
if [ "${CHEPTEL_WITH_POSTGRES:-0}" = 1 ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
if [ "${#need_apt[@]}" -gt 0 ] && [ "${CHEPTEL_SKIP_APT:-0}" != 1 ]; then
  echo "setup: installing ${need_apt[*]} from Debian"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  # Debian starts a cluster of its own; the tests start throwaway clusters instead.
  if [[ " ${need_apt[*]} " == *" postgresql "* ]]; then
    $SUDO service postgresql stop >/dev/null 2>&1 || true
  fi
fi

# The Docker Engine: started here when it is not running (no systemd on CI machines).
if [ "${CHEPTEL_SKIP_DOCKER:-0}" != 1 ] && ! $SUDO docker info >/dev/null 2>&1; then
  echo "setup: starting dockerd (log in /var/log/cheptel-dockerd.log)"
  # live-restore: containers keep running while dockerd restarts
  $SUDO sh -c 'nohup dockerd --live-restore >/var/log/cheptel-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    $SUDO docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  $SUDO docker info >/dev/null 2>&1 || { echo "setup: dockerd did not start"; exit 1; }
fi
# security groups filter bridged traffic: iptables must see it (Docker usually sets this)
$SUDO modprobe br_netfilter >/dev/null 2>&1 || true
$SUDO sysctl -qw net.bridge.bridge-nf-call-iptables=1 >/dev/null 2>&1 || true

VENV=${VENV:-.venv}
PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.cheptel-installed"
extras=${CHEPTEL_EXTRAS:-test}
want="$(sha256sum pyproject.toml | cut -d' ' -f1)-$extras"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages into $VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  "$VENV/bin/pip" install -q --disable-pip-version-check -e ".[$extras]" 2>&1 \
    | grep -v -e '^WARNING: Location' -e 'is ignored' || true
  "$VENV/bin/python" -c "import cheptel, starlette, sqlalchemy" 
  echo "$want" > "$stamp"
fi
