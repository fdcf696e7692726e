#!/usr/bin/env bash
# Fetches Shopify's published Admin GraphQL schemas (introspection JSON, one gzip per API version) into
# tests/tools/shopify-schema/, for tests/tools/shopify/validate.mjs. They ship inside the npm package @shopify/dev-mcp;
# installing that package would pull ~370 MB of dependencies, so only its tarball is fetched (`npm pack`), its
# integrity checked against the pin below, and only package/dist/data/admin_*.json.gz extracted.
# Skipped when the stamp file holds the pinned integrity and the files are there. Called by tests/test.sh.
set -euo pipefail

# The pin: change both together (the integrity is the registry's `dist.integrity`: `npm view PKG@VER dist.integrity`).
package="@shopify/dev-mcp@1.16.0"
integrity="sha512-tqgRnK7sQhjew+htxtleTH23nXB5fZcsrhWgEkomsorGXvLOB2mh2upwZm8uzuTDNTZnqtLMe64yIwh6s2awtw=="

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="$root/tests/tools/shopify-schema"
stamp="$dest/.installed"

have_files() { compgen -G "$dest/admin_*.json.gz" >/dev/null; }

if [[ -f "$stamp" && "$(cat "$stamp")" == "$integrity" ]] && have_files; then
  echo "fetch-shopify-schema.sh: skipped, $dest holds $package"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

npm pack "$package" --pack-destination "$work" --json --silent >"$work/pack.json"
tarball="$(find "$work" -maxdepth 1 -name '*.tgz' | head -n 1)"
if [[ -z "$tarball" ]]; then
  echo "fetch-shopify-schema.sh: npm pack $package produced no tarball." >&2
  exit 1
fi

# sha512 of the tarball, base64, in npm's integrity format. node is a prerequisite of the tests anyway.
actual="sha512-$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tarball")"
if [[ "$actual" != "$integrity" ]]; then
  echo "fetch-shopify-schema.sh: integrity mismatch for $package:" >&2
  echo "  expected $integrity" >&2
  echo "  got      $actual" >&2
  echo "  The registry served a different tarball than the one pinned in tests/tools/fetch-shopify-schema.sh." >&2
  exit 1
fi

tar -xzf "$tarball" -C "$work" --wildcards 'package/dist/data/admin_*.json.gz'
if ! compgen -G "$work/package/dist/data/admin_*.json.gz" >/dev/null; then
  echo "fetch-shopify-schema.sh: $package holds no package/dist/data/admin_*.json.gz." >&2
  exit 1
fi
rm -rf "$dest"
mkdir -p "$dest"
mv "$work"/package/dist/data/admin_*.json.gz "$dest/"
echo "$integrity" >"$stamp"
echo "fetch-shopify-schema.sh: $package -> $dest ($(cd "$dest" && ls admin_*.json.gz | sed 's/^admin_//; s/\.json\.gz$//' | tr '\n' ' '))"
