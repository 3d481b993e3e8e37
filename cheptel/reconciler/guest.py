"""What a server's container runs around its image's own command: the shell scripts
cheptel puts in front (INIT for an image with no command, BOOT to run user data first,
CHROOT for a server booted from a volume)."""

# A container starts with no interface: cheptel plumbs its ports right after the start
# (cheptel.backends.netlink marks eth0 with the alias "cheptel" when all are in place).
# What cheptel runs first waits for that (CHEPTEL_NICS: how many), as a VM's NICs are
# there before its init: the console lists them, user data finds the network up.
WAIT_NICS = r"""
if [ "${CHEPTEL_NICS:-0}" -gt 0 ]; then
  n=0
  while [ "$(cat /sys/class/net/eth0/ifalias 2>/dev/null)" != cheptel ] && [ "$n" -lt 100 ]
  do n=$((n + 1)); sleep 0.1; done
fi
"""
# What a root filesystem image with no command of its own runs: a small init that says on
# the console what booted (as a VM's console shows its boot), then idles until stopped.
INIT = WAIT_NICS + r"""
echo "cheptel-init: booting $(uname -s) $(uname -r) $(uname -m)"
echo "cheptel-init: hostname $(hostname)"
if command -v ip >/dev/null 2>&1; then
  ip -o addr show 2>/dev/null | while read -r _ dev family addr _; do
    [ "$dev" = lo ] || echo "cheptel-init: $dev $family $addr"
  done
fi
# a cloud image: cloud-init's stages, as a VM's init runs them once the network is up (the
# datasource is the metadata service: the image's cloud-init finds `product_name=OpenStack
# Nova` in PID 1's environment, as a VM's DMI says it), then its SSH server
if command -v cloud-init >/dev/null 2>&1; then
  for stage in "init" "modules --mode=config" "modules --mode=final"; do
    # shellcheck disable=SC2086
    cloud-init $stage || echo "cheptel-init: cloud-init $stage failed"
  done
fi
if [ -x /usr/sbin/sshd ]; then
  mkdir -p /run/sshd && ssh-keygen -A >/dev/null 2>&1; /usr/sbin/sshd \
    && echo "cheptel-init: sshd started"
fi
echo "cheptel-init: $(hostname) is up"
trap 'echo "cheptel-init: $(hostname) is shutting down"; exit 0' TERM
while :; do sleep 3600 & wait $!; done
"""
IDLE = ["/bin/sh", "-c", INIT]
# User data runs once, at the first boot; what it leaves executable in cloud-init's
# per-boot directory runs at every boot (a service of the guest's own, started again
# after a stop and start).
BOOT = WAIT_NICS + r"""
if ! command -v cloud-init >/dev/null 2>&1; then  # else cloud-init runs them (INIT)
  ud=/openstack/latest/user_data; mark=/var/lib/cheptel/user-data.done
  if [ -f "$ud" ] && [ ! -e "$mark" ] && [ "$(head -c 2 "$ud")" = '#!' ]; then
    mkdir -p /var/lib/cheptel && cp "$ud" /var/lib/cheptel/user-data \
      && chmod 700 /var/lib/cheptel/user-data && /var/lib/cheptel/user-data
    touch "$mark"
  fi
  for f in /var/lib/cloud/scripts/per-boot/*; do [ -x "$f" ] && "$f"; done
fi
exec "$@"
"""
# Booted from a volume: the container (the default busybox image, a loader) waits until
# the host has bound /proc, /dev and /sys into the root volume (engine.bind_root), then
# becomes the volume's system by chroot (the volume's own image's command, or INIT).
ROOT = "/mnt/volumes/vda"
CHROOT = r"""
i=0
while [ ! -e "$0/proc/self" ]; do
  i=$((i + 1)); [ "$i" -gt 3000 ] && { echo "cheptel: the root volume never came" >&2; exit 1; }
  sleep 0.1
done
exec chroot "$0" "$@"
"""
