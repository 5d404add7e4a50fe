#!/usr/bin/env bash
# Runs every Sotto test on this machine and ends with the line "N passed, N failed".
#
#   ./test.sh                 everything
#   ./test.sh -class 'Sotto.Mls.Tests.*'   extra arguments go to every xUnit v3 test assembly (filters etc.)
#
# It installs what the tests need on a fresh machine:
#   - npm ci in every tests/interop/*/ that has a package-lock.json (the Node interop peers);
#   - every script in tests/setup.d/ is sourced in order (services such as PostgreSQL and Redis are started
#     there on 127.0.0.1 and stopped by PID when this script exits).
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export SOTTO_TEST_ROOT=$ROOT
CONFIG=${SOTTO_TEST_CONFIG:-Release}
LOGDIR=${SOTTO_TEST_LOGS:-$ROOT/.test-logs}
mkdir -p "$LOGDIR"

passed=0
failed=0
declare -a CLEANUP=()
cleanup() {
  local i
  for ((i=${#CLEANUP[@]}-1; i>=0; i--)); do eval "${CLEANUP[$i]}" || true; done
}
trap cleanup EXIT

finish() {
  echo
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

# 1. Node interop peers.
for lock in tests/interop/*/package-lock.json; do
  [ -f "$lock" ] || continue
  dir=$(dirname "$lock")
  stamp="$dir/node_modules/.sotto-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
    echo "==> npm ci in $dir"
    if (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error); then
      cp "$lock" "$stamp"
    else
      echo "npm ci failed in $dir"; failed=$((failed+1)); finish
    fi
  fi
done

# 2. Services and other set-up (sourced so that they can export variables and register cleanup).
for script in tests/setup.d/*.sh; do
  [ -f "$script" ] || continue
  echo "==> $script"
  # shellcheck disable=SC1090
  if ! source "$script"; then
    echo "set-up failed: $script"; failed=$((failed+1)); finish
  fi
done

# 3. Build everything once.
echo "==> dotnet build Sotto.slnx -c $CONFIG"
if ! dotnet build Sotto.slnx -c "$CONFIG" -nologo -clp:ErrorsOnly > "$LOGDIR/build.log" 2>&1; then
  grep -E "error|Error" "$LOGDIR/build.log" | sort -u | head -50
  echo "build failed (full log: $LOGDIR/build.log)"
  failed=$((failed+1)); finish
fi

# 4. Run every xUnit v3 test assembly directly and sum its summary line.
for proj in tests/*/*.Tests.csproj; do
  name=$(basename "$proj" .csproj)
  dll="$(dirname "$proj")/bin/$CONFIG/net10.0/$name.dll"
  log="$LOGDIR/$name.log"
  echo "==> $name"
  timeout "${SOTTO_TEST_TIMEOUT:-1500}" dotnet "$dll" -noColor -noLogo -failSkips "$@" > "$log" 2>&1
  rc=$?
  grep -E "\[FAIL\]" "$log" | head -40
  summary=$(grep -E "^\s+$name\s+Total:" "$log" | tail -1)
  if [ -z "$summary" ]; then
    echo "   no summary from $name (exit $rc); see $log"; tail -20 "$log"
    failed=$((failed+1))
    continue
  fi
  echo "$summary"
  total=$(sed -E 's/.*Total: ([0-9]+).*/\1/' <<<"$summary")
  errors=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$summary")
  fails=$(sed -E 's/.*Failed: ([0-9]+).*/\1/' <<<"$summary")
  skipped=$(sed -E 's/.*Skipped: ([0-9]+).*/\1/' <<<"$summary")
  notrun=$(sed -E 's/.*Not Run: ([0-9]+).*/\1/' <<<"$summary")
  bad=$((fails + errors + skipped + notrun))
  passed=$((passed + total - fails - skipped - notrun))
  failed=$((failed + bad))
  if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
    echo "   $name exited with $rc"; failed=$((failed+1))
  fi
done

finish
