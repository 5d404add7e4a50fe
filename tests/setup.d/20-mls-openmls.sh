# Sourced by test.sh. OpenMLS interop peer (../shared/interop/mls-openmls: OpenMLS inside @wireapp/core-crypto,
# GPL-3.0, a test tool the project drives and never copies into the repository). When the shared kit is present,
# its package.json, lock and peer.mjs are copied to .test-logs/mls-openmls (git-ignored) and installed there with
# `npm ci`; SOTTO_MLS_OPENMLS_PEER then names the peer script for tests/Sotto.Mls.Tests/Interop/OpenMlsInteropTests.
# /work/shared is where the kit lives on the development machine, so that a clean clone elsewhere (CI) still finds it.
for kit in "$ROOT/../shared" "$ROOT/../../shared" "${SOTTO_SHARED_KIT:-/nonexistent}" /work/shared; do
  if [ -f "$kit/interop/mls-openmls/peer.mjs" ]; then
    openmls_src="$kit/interop/mls-openmls"
    openmls_dir="$ROOT/.test-logs/mls-openmls"
    mkdir -p "$openmls_dir"
    cp "$openmls_src/package.json" "$openmls_src/package-lock.json" "$openmls_src/peer.mjs" "$openmls_dir/"
    if [ ! -f "$openmls_dir/node_modules/.sotto-lock" ] || ! cmp -s "$openmls_dir/package-lock.json" "$openmls_dir/node_modules/.sotto-lock"; then
      echo "==> npm ci in $openmls_dir (OpenMLS peer from $openmls_src)"
      (cd "$openmls_dir" && npm ci --no-audit --no-fund --loglevel=error) || return 1
      cp "$openmls_dir/package-lock.json" "$openmls_dir/node_modules/.sotto-lock"
    fi
    export SOTTO_MLS_OPENMLS_PEER="$openmls_dir/peer.mjs"
    break
  fi
done
true
