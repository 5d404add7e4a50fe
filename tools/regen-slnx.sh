#!/usr/bin/env bash
# Rewrites Sotto.slnx from the project files on disk (src/, tests/, tools/, bench/). Use it to resolve
# merge conflicts in the solution file: every project that exists is listed, grouped by folder.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo "<Solution>"
  for folder in src tests tools bench; do
    projects=$(find "$folder" -name '*.csproj' -not -path '*/bin/*' -not -path '*/obj/*' -not -path '*/node_modules/*' | sort)
    [ -n "$projects" ] || continue
    echo "  <Folder Name=\"/$folder/\">"
    for p in $projects; do echo "    <Project Path=\"$p\" />"; done
    echo "  </Folder>"
  done
  echo "</Solution>"
} > Sotto.slnx
