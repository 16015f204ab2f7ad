#!/usr/bin/env bash
# A Debian 12 root file system for the boot tests: systemd as PID 1 under systemd-nspawn, and no network, so the
# daemons' packages (with their dependencies) sit in a local file: apt repository inside it, and a boot script's
# own `apt-get update && apt-get install` runs unchanged. Built once with mmdebstrap from the Debian mirror and
# cached as a tarball named by this script's hash (mmdebstrap picks the format by the .tar extension) (CI keeps .ci/cache/ between runs, or rebuilds it in ~1 minute).
# Prints the tarball's path.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$repo/.ci/cache/bootfs}"
key=$(sha256sum "$0" | cut -c1-12)
tar="$dir/bookworm-$key.tar"
if [ -s "$tar" ]; then
  echo "$tar"
  exit 0
fi
mkdir -p "$dir"
rm -rf "$dir"/bookworm-*.tar "$dir"/building-*.tar
# The three daemons conflict (each provides ftp-server): their packages are downloaded one by one, never installed.
# nfs-common: a fleet backend's boot script installs it to mount the shared NFS share.
mmdebstrap --quiet --variant=minbase \
  --include=systemd,systemd-sysv,dbus,iproute2,openssl,python3,ca-certificates,apt-utils,procps \
  --customize-hook='for p in vsftpd "proftpd-core proftpd-mod-crypto" pure-ftpd nfs-common; do chroot "$1" apt-get install --download-only -y -qq $p >/dev/null; done' \
  --customize-hook='mkdir -p "$1/opt/local-apt" && mv "$1"/var/cache/apt/archives/*.deb "$1/opt/local-apt/"' \
  --customize-hook='chroot "$1" sh -c "cd /opt/local-apt && apt-ftparchive packages . > Packages"' \
  --customize-hook='rm -f "$1"/etc/apt/sources.list.d/* && echo "deb [trusted=yes] file:/opt/local-apt ./" > "$1/etc/apt/sources.list"' \
  --customize-hook='chroot "$1" apt-get update -qq' \
  bookworm "$dir/building-$key.tar" >&2
mv "$dir/building-$key.tar" "$tar"
echo "$tar"
