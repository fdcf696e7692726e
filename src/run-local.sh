#!/usr/bin/env bash
# Runs TracktileFunctions locally: Azurite (storage), the sandbox (a fake Tracktile API and ERP on 127.0.0.1:7200)
# and the Functions host (`func start`). Ctrl+C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

die() { echo "run-local: $*" >&2; exit 1; }
command -v dotnet >/dev/null || die "the .NET 10 SDK is required (dotnet not found)."
command -v node >/dev/null && command -v npm >/dev/null || die "Node.js and npm are required (for Azurite)."

# Azure Functions Core Tools: use the one on PATH, else install it from npm into .tools/ (the npm package downloads
# the host binary from Microsoft's CDN while it installs; where that CDN is unreachable the install fails).
func_bin=$(command -v func || true)
if [[ -z "$func_bin" && -x "$root/.tools/node_modules/.bin/func" ]]; then func_bin="$root/.tools/node_modules/.bin/func"; fi
if [[ -z "$func_bin" ]]; then
  echo "run-local: installing Azure Functions Core Tools 4 from npm into .tools/ ..."
  if npm install --prefix "$root/.tools" --no-audit --no-fund --unsafe-perm azure-functions-core-tools@4 >"$root/.tools-install.log" 2>&1 \
     && "$root/.tools/node_modules/.bin/func" --version >/dev/null 2>&1; then
    func_bin="$root/.tools/node_modules/.bin/func"
    rm -f "$root/.tools-install.log"
  else
    cat >&2 <<MSG
run-local: Azure Functions Core Tools (func) could not be installed on this machine.
  Its npm package downloads the Functions host binary from outside the npm registry during install, and that
  download failed (details: .tools-install.log). Install Core Tools 4 yourself and run this script again:
  https://learn.microsoft.com/azure/azure-functions/functions-run-local#install-the-azure-functions-core-tools
  Everything else works without it: 'bash tests/test.sh' runs every test, including the functions' wiring.
MSG
    exit 1
  fi
fi

[[ -f local.settings.json ]] || { cp local.settings.sample.json local.settings.json; echo "run-local: created local.settings.json from the sample"; }

[[ -f tests/tools/node_modules/azurite/dist/src/azurite.js ]] || npm ci --prefix tests/tools --no-audit --no-fund

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

mkdir -p .azurite
node tests/tools/node_modules/azurite/dist/src/azurite.js --silent --skipApiVersionCheck --loose --location .azurite \
  --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 >.azurite/azurite.log 2>&1 &
pids+=($!)
echo "run-local: Azurite on 127.0.0.1:10000-10002 (data in .azurite/)"

dotnet build TracktileFunctions.sln -c Debug -v quiet -nologo
dotnet run --no-build --project tests/TracktileFunctions.Sandbox -- --urls http://127.0.0.1:7200 >.azurite/sandbox.log 2>&1 &
pids+=($!)
echo "run-local: sandbox Tracktile API and ERP on http://127.0.0.1:7200 (calls: http://127.0.0.1:7200/_sandbox/calls)"

cd src/TracktileFunctions/bin/Debug/net10.0
"$func_bin" start
