#!/usr/bin/env bash
# Installs the Debian packages the tests need, only those missing: dovecot (IMAP server),
# redis-server, chromium + chromedriver (UI tests). As root it runs apt-get; otherwise it
# names what to install and fails, since the tests cannot pass without them.
set -euo pipefail

declare -A wanted=(
  [/usr/sbin/dovecot]=dovecot-imapd
  [/usr/bin/redis-server]=redis-server
  [/usr/bin/chromium]=chromium
  [/usr/bin/chromedriver]=chromium-driver
)
missing=()
for path in "${!wanted[@]}"; do
  [ -x "$path" ] || missing+=("${wanted[$path]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts a system-wide dovecot on install; the tests run their own on free ports.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now dovecot >/dev/null 2>&1 || true; fi
