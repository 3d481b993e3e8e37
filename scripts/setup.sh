#!/usr/bin/env bash
# Install what cheptel needs on a fresh Debian machine: system packages, then a venv.
# Usage: scripts/setup.sh [cli|test]   (default test)
#   cli:  cheptel, the openstack CLI and the dashboard (Horizon): what `make run` and the
#         README's walkthrough need
#   test: cli plus pytest, ruff, Tempest, Ansible, chromium and playwright-core, ...: what
#         `make test` needs
# Idempotent: a second run only checks, and a cli venv grows into a test venv when asked.
# Set CHEPTEL_SKIP_APT=1 to skip system packages, CHEPTEL_SKIP_DOCKER=1 not to start dockerd.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PY=${PYTHON:-python3}
extras=${1:-${CHEPTEL_EXTRAS:-test}}
# Each level includes the ones before it (pyproject.toml: test = cli + the rest).
levels=(cli test)
level_of() {
  local i
  for i in "${!levels[@]}"; do [ "${levels[$i]}" = "$1" ] && { echo "$i"; return; }; done
  echo "setup: unknown extras '$1' (one of: ${levels[*]})" >&2
  exit 2
}
want_level=$(level_of "$extras")

need_apt=()
command -v make >/dev/null || need_apt+=(make)
command -v dockerd >/dev/null || need_apt+=(docker.io)
command -v iptables >/dev/null || need_apt+=(iptables)
command -v ipset >/dev/null || need_apt+=(ipset)  # security groups' remote-group sets
command -v ip >/dev/null || need_apt+=(iproute2)
command -v nsenter >/dev/null || need_apt+=(util-linux)
command -v pgrep >/dev/null || need_apt+=(procps)
# volumes: mkfs.ext4, e2fsck and resize2fs (cheptel/backends/blockstore.py)
dpkg -s e2fsprogs >/dev/null 2>&1 || need_apt+=(e2fsprogs)
dpkg -s busybox-static >/dev/null 2>&1 || need_apt+=(busybox-static)
# load balancers: one HAProxy per load balancer (cheptel/backends/haproxy.py)
dpkg -s haproxy >/dev/null 2>&1 || need_apt+=(haproxy)
# IPv6 router advertisements: one radvd per router that has some (cheptel/backends/netlink.py)
dpkg -s radvd >/dev/null 2>&1 || need_apt+=(radvd)
if [ ! -x "$VENV/bin/python" ]; then
  command -v "$PY" >/dev/null || need_apt+=(python3)
  # Debian's python3 makes venvs only with python3-venv (it holds ensurepip)
  "$PY" -c 'import ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
fi
# the browser test (tests/integration/dashboard/test_browser.py): Debian's chromium, driven
# by playwright-core under node (tests/browser/package.json)
if [ "$want_level" -ge 1 ]; then
  command -v chromium >/dev/null || need_apt+=(chromium)
  command -v node >/dev/null || need_apt+=(nodejs)
  command -v npm >/dev/null || need_apt+=(npm)
  # the external Swift's test (tests/integration/objectstore/test_external_swift.py): its
  # own memcached beside Swift, which scripts/swift_venv.sh installs from PyPI
  command -v memcached >/dev/null || need_apt+=(memcached)
  # the cloud-init test (tests/integration/compute/test_cloud_init.py): a Debian cloud image
  # built from the mirror, logged into with the server's key
  command -v mmdebstrap >/dev/null || need_apt+=(mmdebstrap)
  command -v ssh >/dev/null || need_apt+=(openssh-client)
fi
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
  if [[ " ${need_apt[*]} " == *" memcached "* ]]; then
    $SUDO service memcached stop >/dev/null 2>&1 || true
  fi
  # Debian's HAProxy service (its own /etc/haproxy/haproxy.cfg): stopped and not started
  # at boot; cheptel starts one HAProxy per load balancer itself
  # (and Debian's radvd service, its own /etc/radvd.conf: cheptel starts one radvd in
  # each router's namespace)
  for service in haproxy radvd; do
    if [[ " ${need_apt[*]} " == *" $service "* ]]; then
      $SUDO service "$service" stop >/dev/null 2>&1 || true
      if [ -d /run/systemd/system ]; then
        $SUDO systemctl disable -q "$service" >/dev/null 2>&1 || true
      else
        $SUDO update-rc.d "$service" disable >/dev/null 2>&1 || true
      fi
    fi
  done
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

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
# The stamp says what is installed: pyproject.toml's hash and the extras' level. Nothing to
# do when pyproject.toml is unchanged and the venv has the extras asked for or more.
stamp="$VENV/.cheptel-installed"
hash="$(sha256sum pyproject.toml | cut -d' ' -f1)"
have_hash="" have_extras=""
if [ -f "$stamp" ]; then read -r have_hash have_extras < "$stamp" || true; fi
have_level=$(level_of "$have_extras" 2>/dev/null) || have_level=-1
if [ "$have_hash" != "$hash" ] || [ "$have_level" -lt "$want_level" ]; then
  # a changed pyproject.toml keeps a test venv a test venv, even for `make run`
  if [ "$have_level" -gt "$want_level" ]; then extras=${levels[$have_level]}; fi
  log="$VENV/pip.log"
  echo "setup: installing Python packages ($extras) into $VENV (log: $log)"
  # No pip self-upgrade: any pip >= 21.3 installs this, and the upgrade costs a download.
  # cli: no byte-compiling (measured: 4 s of the 25 to `make run`'s first answer); Python
  # caches what it imports. test: compiled, as PYTHONDONTWRITEBYTECODE=1 forbids that cache.
  compile=--compile
  if [ "$extras" = cli ]; then compile=--no-compile; fi
  if ! "$VENV/bin/pip" install --disable-pip-version-check "$compile" -e ".[$extras]" \
      >"$log" 2>&1; then
    tail -n 30 "$log"
    echo "setup: pip failed (whole log: $log)"
    exit 1
  fi
  # a cli venv grown into a test venv: compile what `make run` left as source
  if [ "$extras" != cli ] && [ "$have_level" = 0 ]; then
    "$VENV/bin/python" -m compileall -q -j 0 "$VENV/lib" >/dev/null 2>&1 || true
  fi
  "$VENV/bin/python" -c "import cheptel, starlette, sqlalchemy"
  echo "$hash $extras" > "$stamp"
fi

# playwright-core for the browser test, from the lock file; again only when it changed
if [ "$want_level" -ge 1 ] && command -v npm >/dev/null; then
  lock=tests/browser/package-lock.json
  npm_stamp=tests/browser/node_modules/.cheptel-installed
  npm_hash="$(sha256sum "$lock" | cut -d' ' -f1)"
  if [ "$(cat "$npm_stamp" 2>/dev/null)" != "$npm_hash" ]; then
    echo "setup: installing playwright-core into tests/browser (npm ci)"
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$npm_hash" > "$npm_stamp"
  fi
fi
