#!/usr/bin/env bash
# Stack frames of the SBF build, measured from its machine code: for each
# function of the linked object that `../shared/sbf-build/build.sh` leaves
# in target/sbf-build/out/<lib>/<lib>.o, the deepest `r10 - N` stack slot
# it touches (SBF gives every call frame 4 KiB, addressed down from r10).
# Prints the largest frames and fails when one reaches the limit.
#
# usage: scripts/sbf-frames.sh [lib=options_margin] [rows=12] [limit=4096]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LIB="${1:-options_margin}"
ROWS="${2:-12}"
LIMIT="${3:-4096}"
OBJ="$ROOT/target/sbf-build/out/$LIB/$LIB.o"
OBJDUMP="${LLVM_BIN:-/usr/lib/llvm-22/bin}/llvm-objdump"
[ -f "$OBJ" ] || { echo "no $OBJ: run ../shared/sbf-build/build.sh first" >&2; exit 2; }
PARSE=$(cat <<'PY'
import re, subprocess, sys
rows, limit = int(sys.argv[1]), int(sys.argv[2])
frames, fn = {}, None
label = re.compile(r"^[0-9a-f]+ <(.+)>:$")
slot = re.compile(r"\(r10 - 0x([0-9a-f]+)\)")
for line in sys.stdin:
    m = label.match(line.strip())
    if m:
        fn = m.group(1)
        frames.setdefault(fn, 0)
        continue
    if fn:
        for s in slot.findall(line):
            frames[fn] = max(frames[fn], int(s, 16))
names = list(frames)
demangled = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True).stdout.split("\n")
table = sorted(zip(frames.values(), demangled), reverse=True)
print(f"| frame (bytes) | function |\n|---|---|")
for size, name in table[:rows]:
    short = re.sub(r"::h[0-9a-f]{16}$", "", name)
    print(f"| {size} | `{short[:110]}` |")
worst = table[0][0] if table else 0
print(f"\n{len(table)} functions; largest frame {worst} bytes (limit {limit})")
sys.exit(0 if worst < limit else 1)
PY
)
"$OBJDUMP" -d --no-show-raw-insn "$OBJ" | python3 -c "$PARSE" "$ROWS" "$LIMIT"
