#!/usr/bin/env bash
# Builds the program's IDL without an SBF toolchain, the way `anchor idl
# build` does: run Anchor's IDL-printing tests under the `idl-build`
# feature, then join the printed sections (program, errors, events and
# their types, address) into one JSON document.
#
# Usage: scripts/build-idl.sh [OUT]   (default: idl/options_margin.json)
#        scripts/build-idl.sh --check (CI: regenerate into a temporary file
#        and fail, with a diff, when the committed IDL differs from it)
set -euo pipefail
cd "$(dirname "$0")/.."
committed=idl/options_margin.json
check=0
locked=()
if [ "${1:-}" = "--check" ]; then
  check=1
  locked=(--locked)
fi
raw="$(mktemp)"
if [ "$check" = 1 ]; then
  out="$(mktemp)"
  trap 'rm -f "$raw" "$out"' EXIT
else
  out="${1:-$committed}"
  trap 'rm -f "$raw"' EXIT
fi
ANCHOR_IDL_BUILD_PROGRAM_PATH="$PWD/programs/options-margin" \
ANCHOR_IDL_BUILD_RESOLUTION=TRUE \
  cargo test "${locked[@]}" -p options-margin --lib __anchor_private_print_idl --features idl-build \
  -- --show-output --quiet --test-threads 1 > "$raw"
python3 - "$raw" "$out" <<'PY'
import json, re, sys
raw, out = sys.argv[1], sys.argv[2]
text = open(raw).read()
sections = re.findall(r"--- IDL begin (\w+) ---\n(.*?)\n--- IDL end \1 ---", text, re.S)
idl, errors, events, types = None, [], [], {}
address = None
for kind, body in sections:
    if kind == "program":
        idl = json.loads(body)
    elif kind == "address":
        address = body.strip().strip('"')
    elif kind == "errors":
        errors = json.loads(body)
    elif kind == "event":
        ev = json.loads(body)
        events.append(ev["event"])
        for t in ev["types"]:
            types[t["name"]] = t
if idl is None:
    sys.exit("no program section printed")
if address:
    idl["address"] = address
if errors:
    idl["errors"] = errors
if events:
    idl["events"] = sorted(events, key=lambda e: e["name"])
known = {t["name"] for t in idl.get("types", [])}
idl["types"] = idl.get("types", []) + [t for n, t in sorted(types.items()) if n not in known]
# Strip Rust module paths from type names (as anchor-cli does) when the
# short names stay unique.
path_re = re.compile(r"^(?:[a-z_][a-z0-9_]*::)+([A-Za-z_]\w*)$")
full = {t["name"] for t in idl["types"]} | {a["name"] for a in idl.get("accounts", [])}
short = [path_re.sub(r"\1", n) for n in full]
if len(set(short)) == len(short):
    def strip(v):
        if isinstance(v, dict):
            return {k: (path_re.sub(r"\1", x) if k == "name" and isinstance(x, str) else strip(x)) for k, x in v.items()}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v
    idl = strip(idl)
with open(out, "w") as f:
    json.dump(idl, f, indent=2)
    f.write("\n")
print(f"{out}: {len(idl['instructions'])} instructions, {len(idl.get('accounts', []))} accounts, "
      f"{len(idl.get('events', []))} events, {len(idl.get('errors', []))} errors")
PY
if [ "$check" = 1 ]; then
  if ! diff -u --label "$committed (committed)" --label "$committed (generated)" "$committed" "$out"; then
    echo "error: $committed is not what the program generates; run scripts/build-idl.sh and commit it" >&2
    exit 1
  fi
  echo "$committed matches the program"
fi
