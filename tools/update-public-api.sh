#!/usr/bin/env bash
# Brings a project's PublicAPI.Unshipped.txt up to date with its code (what the IDE's code fix would do):
# symbols the analyzer reports as new (RS0016) are added, symbols it reports as gone (RS0017) are removed from
# PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt. Usage: tools/update-public-api.sh src/Sotto.Client
set -euo pipefail
project=${1:?usage: tools/update-public-api.sh src/PROJECT}
log=$(mktemp)
dotnet build "$project" -c Release --no-incremental -p:TreatWarningsAsErrors=false -nologo > "$log" 2>&1 || true
python3 - "$project" "$log" <<'PY'
import re, sys
project, log = sys.argv[1], sys.argv[2]
text = open(log, encoding='utf-8').read()
added = set(re.findall(r"RS0016: Symbol '(.*?)' is not part of the declared public API", text))
removed = set(re.findall(r"RS0017: Symbol '(.*?)' is part of the declared API, but is either not public or could not be found", text))
def rewrite(path, extra=()):
    try:
        lines = open(path, encoding='utf-8').read().splitlines()
    except FileNotFoundError:
        lines = []
    body = [l for l in lines if l and l != '#nullable enable' and l not in removed]
    body = sorted(set(body) | set(extra), key=lambda l: l.encode())
    open(path, 'w', encoding='utf-8').write('#nullable enable\n' + ''.join(l + '\n' for l in body))
rewrite(f'{project}/PublicAPI.Shipped.txt')
rewrite(f'{project}/PublicAPI.Unshipped.txt', added)
print(f'{len(added)} added, {len(removed)} removed')
PY
rm -f "$log"
