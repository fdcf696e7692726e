#!/usr/bin/env bash
# Builds the solution and runs every test project, then prints the totals as the last line:
#   N passed, N failed[, N skipped]
# Extra arguments go to `dotnet test`, e.g.: bash tests/test.sh --filter "FullyQualifiedName~WebJobsQueueHost"
# Exits non-zero if the build or a test fails, or if no test ran.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "test.sh: '$1' was not found on PATH. $2" >&2
    exit 2
  fi
}
need dotnet "Install the .NET 10 SDK."
need node "Install Node.js 20 or later (the integration tests run Azurite with it)."
need npm "Install npm (it comes with Node.js)."

step() { echo "==> $* (at ${SECONDS}s)"; }

hash_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else cksum "$1" | cut -d' ' -f1,2; fi
}

# Azurite for the integration tests. `npm ci` reinstalls from scratch (about a minute), so it is skipped when the
# installed tree came from this exact lock file: the stamp below is written only after a successful install.
tools="tests/tools"
stamp="$tools/node_modules/.installed-lock-hash"
lock_hash="$(hash_of "$tools/package-lock.json")"
if [[ -f "$tools/node_modules/azurite/dist/src/azurite.js" && -f "$stamp" && "$(cat "$stamp")" == "$lock_hash" ]]; then
  step "npm ci --prefix $tools: skipped, node_modules matches package-lock.json"
else
  step "npm ci --prefix $tools"
  npm ci --prefix "$tools" --no-audit --no-fund
  echo "$lock_hash" >"$stamp"
fi

# Shopify's published Admin GraphQL schemas, for the Shopify connector's tests and the sandbox's fake Shopify
# (tests/tools/shopify/validate.mjs). Pinned by version and integrity in the script; skipped when already in place.
step "Shopify Admin schema"
bash "$tools/fetch-shopify-schema.sh"

# Chromium for the status page's browser tests (Playwright drives it; Playwright's own browser download is not used).
# Debian's package, installed only when it is missing; the tests read CHROMIUM_PATH.
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}" PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [[ -x "$CHROMIUM_PATH" ]]; then
  step "Chromium: skipped, $CHROMIUM_PATH is there"
else
  step "apt-get install chromium ($CHROMIUM_PATH is missing)"
  if ((EUID == 0)); then
    as_root=""
  elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
  else
    echo "test.sh: Chromium is missing at $CHROMIUM_PATH and this user can neither install it (not root, no sudo)." \
      "Install Debian's 'chromium' package, or set CHROMIUM_PATH to a Chromium executable." >&2
    exit 2
  fi
  install_chromium() { $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }
  if ! install_chromium; then
    $as_root apt-get update
    install_chromium || { echo "test.sh: apt-get could not install chromium (see above)." >&2; exit 2; }
  fi
  [[ -x "$CHROMIUM_PATH" ]] || { echo "test.sh: chromium was installed but $CHROMIUM_PATH is not there; set CHROMIUM_PATH." >&2; exit 2; }
fi

step "dotnet build TracktileFunctions.sln -c Release"
dotnet build TracktileFunctions.sln -c Release

results="$root/TestResults"
rm -rf "$results"
mkdir -p "$results"

step "dotnet test TracktileFunctions.sln -c Release --no-build $*"
test_status=0
dotnet test TracktileFunctions.sln -c Release --no-build \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || test_status=$?
step "tests finished"

# Sum the <Counters .../> of every .trx (one per test project). grep/sed/awk only: CI may have no python.
counter() { # counter NAME FILE: the value of attribute NAME of the Counters element in FILE, or 0
  local value
  value="$({ grep -o '<Counters [^>]*>' "$2" || true; } | head -n 1 | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p")"
  echo "${value:-0}"
}
total=0 executed=0 passed=0 failed=0 files=0
while IFS= read -r -d '' trx; do
  files=$((files + 1))
  total=$((total + $(counter total "$trx")))
  executed=$((executed + $(counter executed "$trx")))
  passed=$((passed + $(counter passed "$trx")))
  failed=$((failed + $(counter failed "$trx") + $(counter error "$trx") + $(counter timeout "$trx") + $(counter aborted "$trx")))
done < <(find "$results" -name '*.trx' -print0)
skipped=$((total - executed))

status=0
if ((test_status != 0)); then
  echo "test.sh: dotnet test exited with $test_status." >&2
  status=1
fi
if ((failed > 0)); then
  echo "test.sh: $failed test(s) failed." >&2
  status=1
fi
if ((files == 0 || executed == 0)); then
  echo "test.sh: no test ran ($files result file(s) in $results)." >&2
  status=1
fi

summary="$passed passed, $failed failed"
if ((skipped > 0)); then
  summary="$summary, $skipped skipped"
fi
echo "$summary"
exit "$status"
