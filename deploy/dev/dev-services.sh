#!/usr/bin/env bash
# Dev-services mode: PostgreSQL 15 and Azurite (blob) on loopback, for `rlhf serve` on this machine.
#   deploy/dev/dev-services.sh up     start both (idempotent), create the database and the container,
#                                     write $RLHF_DEV_DIR/env.sh
#   deploy/dev/dev-services.sh down   stop both (data stays in $RLHF_DEV_DIR; rm -rf it to reset)
#   deploy/dev/dev-services.sh env    print the environment for `rlhf serve`
# Then: source "$RLHF_DEV_DIR/env.sh" && rlhf serve --urls http://127.0.0.1:8080
# Needs the Debian postgresql package (15) and Node 20 with npm (azurite 3.35.0 is the last for Node 20).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${RLHF_DEV_DIR:-${TMPDIR:-/tmp}/rlhf-dev}"
tools="${RLHF_TOOLS:-$repo/.tools}"
pg_port="${RLHF_DEV_PG_PORT:-55432}"
blob_port="${RLHF_DEV_BLOB_PORT:-10000}"
container="${RLHF_DEV_CONTAINER:-rlhf-checkpoints}"
pg_bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
azurite_dir="$tools/azurite-3.35.0"
# Azurite's well-known development account (public, documented by Microsoft; not a secret).
account=devstoreaccount1
account_key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

# initdb and postgres refuse to run as root: run them as the postgres user then.
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

write_env() {
  cat > "$dir/env.sh" <<EOF
export Rlhf__RunStore__Kind=postgres
export Rlhf__RunStore__ConnectionString='Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=rlhf'
export Rlhf__CheckpointStore__Kind=azure-blob
export Rlhf__CheckpointStore__ConnectionString='DefaultEndpointsProtocol=http;AccountName=$account;AccountKey=$account_key;BlobEndpoint=http://127.0.0.1:$blob_port/$account;'
export Rlhf__CheckpointStore__Container=$container
export Rlhf__Cluster__Kind=localhost
export Rlhf__Device=cpu
EOF
}

start_postgres() {
  mkdir -p "$dir/pg"
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir/pg"; fi
  if [[ ! -f $dir/pg/data/PG_VERSION ]]; then
    as_pg "$pg_bin/initdb" -D "$dir/pg/data" -U postgres -A trust --no-sync >"$dir/pg/initdb.log"
  fi
  if ! as_pg "$pg_bin/pg_ctl" -D "$dir/pg/data" status >/dev/null 2>&1; then
    as_pg "$pg_bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w \
      -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1" start >/dev/null
  fi
  if [[ -z $(psql -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'rlhf'") ]]; then
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -qc 'CREATE DATABASE rlhf' >/dev/null
  fi
  echo "PostgreSQL: 127.0.0.1:$pg_port, database rlhf, user postgres (trust)"
}

start_azurite() {
  if [[ ! -x $azurite_dir/node_modules/.bin/azurite-blob ]]; then
    npm install --prefix "$azurite_dir" --no-audit --no-fund --silent azurite@3.35.0
  fi
  mkdir -p "$dir/azurite"
  if ! curl -s -o /dev/null "http://127.0.0.1:$blob_port/"; then
    nohup "$azurite_dir/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$blob_port" \
      --location "$dir/azurite" --skipApiVersionCheck --loose --disableTelemetry \
      >"$dir/azurite/azurite.log" 2>&1 &
    echo $! > "$dir/azurite/pid"
    for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$blob_port/" && break; sleep 0.1; done
  fi
  create_container
  echo "Azurite blob: http://127.0.0.1:$blob_port/$account, container $container"
}

# Create Container, signed with the account key (Shared Key); 409 means it already exists.
create_container() {
  local date version=2021-08-06 sts sig code
  date="$(LC_ALL=C TZ=GMT date '+%a, %d %b %Y %H:%M:%S GMT')"
  sts="PUT"$'\n\n\n\n\n\n\n\n\n\n\n\n'"x-ms-date:$date"$'\n'"x-ms-version:$version"$'\n'"/$account/$account/$container"$'\n'"restype:container"
  sig="$(printf '%s' "$sts" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(printf '%s' "$account_key" | base64 -d | od -An -vtx1 | tr -d ' \n')" -binary | base64 -w0)"
  code="$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Length: 0' \
    -H "x-ms-date: $date" -H "x-ms-version: $version" -H "Authorization: SharedKey $account:$sig" \
    "http://127.0.0.1:$blob_port/$account/$container?restype=container")"
  [[ $code == 201 || $code == 409 ]] || { echo "creating container $container failed: HTTP $code" >&2; return 1; }
}

case "${1:-}" in
  up)
    mkdir -p "$dir"
    start_postgres
    start_azurite
    write_env
    echo "Environment: source $dir/env.sh"
    ;;
  down)
    if [[ -f $dir/pg/data/PG_VERSION ]]; then
      as_pg "$pg_bin/pg_ctl" -D "$dir/pg/data" -m fast stop >/dev/null 2>&1 || true
    fi
    if [[ -f $dir/azurite/pid ]]; then
      kill "$(cat "$dir/azurite/pid")" 2>/dev/null || true
      rm -f "$dir/azurite/pid"
    fi
    echo "Stopped (data kept in $dir)."
    ;;
  env)
    mkdir -p "$dir"
    write_env
    cat "$dir/env.sh"
    ;;
  *)
    echo "usage: $0 up|down|env" >&2
    exit 2
    ;;
esac
