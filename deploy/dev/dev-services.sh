#!/usr/bin/env bash
# Dev-services mode: PostgreSQL 15 and Azurite (blob) on loopback, the schema migrated, then a cluster of
# three silo processes and the admin API against them (Rlhf:Cluster:Kind=postgres), all on this machine.
#   deploy/dev/dev-services.sh up        services, `rlhf migrate`, an operator key (first time), 3 silos, the api
#   deploy/dev/dev-services.sh services  only PostgreSQL and Azurite (for your own `rlhf serve`)
#   deploy/dev/dev-services.sh status    what runs, and the api's /api/readyz
#   deploy/dev/dev-services.sh down      stop the api, the silos, then the services (data stays in $RLHF_DEV_DIR)
#   deploy/dev/dev-services.sh env       print the environment for `rlhf` against these services
# Silos 1 and 2 take heavy work (trainers, generators, scorers, evaluators); silo 3 takes none and drives runs.
# The api listens on http://127.0.0.1:${RLHF_DEV_API_PORT:-8080}; the operator key is in $RLHF_DEV_DIR/api-key (0600).
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
api_port="${RLHF_DEV_API_PORT:-8080}"
# Silo i (1-3) uses silo port base+i-1, gateway port base+i-1 and HTTP (probes) port base+i.
silo_port_base="${RLHF_DEV_SILO_PORT:-11111}"
gateway_port_base="${RLHF_DEV_GATEWAY_PORT:-30000}"
silo_http_base="${RLHF_DEV_SILO_HTTP_PORT:-8080}"
# SIGTERM: how long a stopping silo waits for its runs to reach a step boundary (Rlhf:Silo:ShutdownSeconds).
shutdown_seconds="${RLHF_DEV_SHUTDOWN_SECONDS:-60}"
rlhf_bin="${RLHF_BIN:-$repo/src/RlhfPlatform.Cli/bin/Debug/net10.0/linux-x64/rlhf}"
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
export Rlhf__Cluster__Kind=postgres
export Rlhf__Cluster__ConnectionString='Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=rlhf'
export Rlhf__Cluster__ClusterId=rlhf-dev
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
  local azurite_bin="$azurite_dir/node_modules/.bin/azurite-blob"
  # scripts/install-test-deps.sh puts the same version here.
  if [[ ! -x $azurite_bin && -x $tools/node_modules/.bin/azurite-blob ]]; then azurite_bin="$tools/node_modules/.bin/azurite-blob"; fi
  if [[ ! -x $azurite_bin ]]; then
    npm install --prefix "$azurite_dir" --no-audit --no-fund --silent azurite@3.35.0
  fi
  mkdir -p "$dir/azurite"
  if ! curl -s -o /dev/null "http://127.0.0.1:$blob_port/"; then
    nohup "$azurite_bin" --blobHost 127.0.0.1 --blobPort "$blob_port" \
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

ensure_rlhf() {
  if [[ -z ${RLHF_BIN:-} ]]; then
    dotnet build "$repo/src/RlhfPlatform.Cli" --nologo -v quiet -clp:ErrorsOnly >&2
  fi
  [[ -x $rlhf_bin ]] || { echo "no rlhf executable at $rlhf_bin (set RLHF_BIN)" >&2; return 1; }
}

# The environment for rlhf, in a subshell: env.sh, then the caller's extra assignments.
rlhf_env() { ( set -a; source "$dir/env.sh"; set +a; "$@" ); }

# wait_http URL SECONDS NAME LOG
wait_http() {
  for _ in $(seq $(( $2 * 5 ))); do
    curl -s -o /dev/null -f "$1" && return 0
    sleep 0.2
  done
  echo "$3 did not answer $1 within $2 s; its log: $4" >&2
  tail -n 20 "$4" >&2 || true
  return 1
}

start_process() { # name, log, command...
  local name="$1" log="$2"; shift 2
  if [[ -f $dir/run/$name.pid ]] && kill -0 "$(cat "$dir/run/$name.pid")" 2>/dev/null; then
    echo "$name: already running (pid $(cat "$dir/run/$name.pid"))"
    return 0
  fi
  nohup "$@" >"$log" 2>&1 &
  echo $! > "$dir/run/$name.pid"
}

start_cluster() {
  mkdir -p "$dir/run" "$dir/out"
  ensure_rlhf
  rlhf_env "$rlhf_bin" migrate --out "$dir/out"
  if [[ ! -s $dir/api-key ]]; then
    (umask 077; rlhf_env "$rlhf_bin" keys create --role operator --name dev-services --out "$dir/out" > "$dir/api-key")
    echo "operator key written to $dir/api-key"
  fi
  for i in 1 2 3; do
    local heavy=true; [[ $i == 3 ]] && heavy=false
    start_process "silo$i" "$dir/run/silo$i.log" env \
      Rlhf__Silo__Heavy=$heavy Rlhf__Cluster__AdvertisedAddress=127.0.0.1 \
      Rlhf__Cluster__SiloPort=$(( silo_port_base + i - 1 )) Rlhf__Cluster__GatewayPort=$(( gateway_port_base + i - 1 )) \
      Rlhf__WorkDirectory="$dir/run/silo$i-work" Rlhf__Silo__ShutdownSeconds="$shutdown_seconds" \
      bash -c 'set -a; source "$0"; set +a; exec "$@"' "$dir/env.sh" \
      "$rlhf_bin" serve --role silo --urls "http://127.0.0.1:$(( silo_http_base + i ))" --out "$dir/out"
  done
  for i in 1 2 3; do
    wait_http "http://127.0.0.1:$(( silo_http_base + i ))/api/readyz" 120 "silo$i" "$dir/run/silo$i.log"
    echo "silo$i: ready (silo port $(( silo_port_base + i - 1 )), probes on http://127.0.0.1:$(( silo_http_base + i )))"
  done
  start_process api "$dir/run/api.log" bash -c 'set -a; source "$0"; set +a; exec "$@"' "$dir/env.sh" \
    "$rlhf_bin" serve --role api --urls "http://127.0.0.1:$api_port" --out "$dir/out"
  wait_http "http://127.0.0.1:$api_port/api/readyz" 120 api "$dir/run/api.log"
  echo "api: ready on http://127.0.0.1:$api_port (RLHF_API_KEY=\$(cat $dir/api-key))"
}

stop_process() { # name
  local pid_file="$dir/run/$1.pid" pid
  [[ -f $pid_file ]] || return 0
  pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null; then
    # SIGTERM: a silo's runs finish their step and pause, then it leaves the cluster; give it the time it asks.
    local limit=$(( shutdown_seconds + 30 ))
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq $(( limit * 5 ))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then echo "$1 did not stop in $limit s: killing it" >&2; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pid_file"
  echo "$1: stopped"
}

status() {
  for name in silo1 silo2 silo3 api; do
    if [[ -f $dir/run/$name.pid ]] && kill -0 "$(cat "$dir/run/$name.pid")" 2>/dev/null; then
      echo "$name: running (pid $(cat "$dir/run/$name.pid"), log $dir/run/$name.log)"
    else
      echo "$name: not running"
    fi
  done
  curl -s "http://127.0.0.1:$api_port/api/readyz" && echo || echo "api: /api/readyz does not answer"
}

case "${1:-}" in
  up)
    mkdir -p "$dir"
    start_postgres
    start_azurite
    write_env
    start_cluster
    echo "Environment: source $dir/env.sh"
    ;;
  services)
    mkdir -p "$dir"
    start_postgres
    start_azurite
    write_env
    echo "Environment: source $dir/env.sh"
    ;;
  status)
    status
    ;;
  down)
    # The api first (it is a client), then the silos, then the services they use.
    for name in api silo3 silo2 silo1; do stop_process "$name"; done
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
    echo "usage: $0 up|services|status|down|env" >&2
    exit 2
    ;;
esac
