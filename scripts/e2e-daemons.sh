#!/usr/bin/env bash
# ProFTPD (with mod_tls) and Pure-FTPd for the end-to-end suite, next to the installed vsftpd. Their Debian packages
# conflict with vsftpd's (all provide ftp-server), so they are downloaded and extracted with dpkg -x under
# .ci/cache/daemons/root (reused by the next run), never installed. Their libraries are installed by .ci/run.
set -euo pipefail
dir="${1:-$(dirname "$0")/../.ci/cache/daemons}"
mkdir -p "$dir/debs" "$dir/root"
cd "$dir/debs"
for pkg in proftpd-core proftpd-mod-crypto pure-ftpd; do
  ls "${pkg}"_*.deb >/dev/null 2>&1 || apt-get download -qq "$pkg" 2>&1 | grep -v 'unsandboxed' || true
  ls "${pkg}"_*.deb >/dev/null 2>&1 || { echo "could not download $pkg" >&2; exit 1; }
done
for deb in *.deb; do dpkg -x "$deb" ../root; done
test -x ../root/usr/sbin/proftpd && test -f ../root/usr/lib/proftpd/mod_tls.so && test -x ../root/usr/sbin/pure-ftpd
echo "daemons in $(cd ../root && pwd): $(../root/usr/sbin/proftpd -v 2>&1 | head -1); $(../root/usr/sbin/pure-ftpd --help 2>&1 | head -1)"
