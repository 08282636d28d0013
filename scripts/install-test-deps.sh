#!/usr/bin/env bash
# Installs the servers the Storage tests start on loopback: PostgreSQL (Debian package) and the
# Azurite blob emulator (npm, into $RLHF_TOOLS). Idempotent, no prompts; run as root.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RLHF_TOOLS=${RLHF_TOOLS:-$repo_root/.tools}
azurite_version=3.35.0
azurite_bin=$RLHF_TOOLS/node_modules/.bin/azurite-blob

postgres_present() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }

apt_updated=false
apt_install() {
  if [ "$apt_updated" = false ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if postgres_present; then
  echo "postgresql: already present ($(compgen -G '/usr/lib/postgresql/*/bin/postgres' | head -n 1))"
else
  apt_install postgresql
  postgres_present || { echo "postgresql: installed, but no /usr/lib/postgresql/*/bin/postgres" >&2; exit 1; }
  echo "postgresql: installed"
fi

if [ -x "$azurite_bin" ]; then
  echo "azurite: already present ($azurite_bin)"
else
  command -v npm >/dev/null || apt_install nodejs npm
  mkdir -p "$RLHF_TOOLS"
  npm install --prefix "$RLHF_TOOLS" "azurite@$azurite_version" --no-audit --no-fund --loglevel=error >/dev/null
  [ -x "$azurite_bin" ] || { echo "azurite: npm finished, but $azurite_bin is missing" >&2; exit 1; }
  echo "azurite: installed $azurite_version ($azurite_bin)"
fi
