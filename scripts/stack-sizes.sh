#!/usr/bin/env bash
# Stack frame of every function of the on-chain crates, as a proxy for the
# SBF limit of 4 KiB per frame (there is no SBF toolchain here).
#
# Builds options-margin (with options-margin-risk) and liquidation-vault in
# release for the host with `-Z emit-stack-sizes` (RUSTC_BOOTSTRAP=1 on the
# pinned stable rustc), LTO off and one codegen unit, reads the
# `.stack_sizes` sections with llvm-readobj, prints the largest frames and
# fails when one exceeds the limit. Functions that only run off-chain are
# listed in OFF_CHAIN and reported but not enforced.
#
# usage: scripts/stack-sizes.sh [limit_bytes=4096] [rows=12]
# needs: llvm-readobj (Debian: llvm), c++filt (binutils), python3
set -euo pipefail
LIMIT="${1:-4096}"
ROWS="${2:-12}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${STACK_TARGET_DIR:-$ROOT/target/stack-sizes}"
export CARGO_PROFILE_RELEASE_LTO=false
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-Z emit-stack-sizes -C codegen-units=1"
cd "$ROOT"
cargo build --locked --release --lib -p options-margin -p liquidation-vault >&2
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DEPS="$CARGO_TARGET_DIR/release/deps"
for lib in "$DEPS/liboptions_margin.rlib" "$DEPS/libliquidation_vault.rlib" \
    "$(ls -t "$DEPS"/liboptions_margin_risk-*.rlib | head -1)"; do
    mkdir -p "$WORK/$(basename "$lib")"
    (cd "$WORK/$(basename "$lib")" && ar x "$lib" && llvm-readobj --stack-sizes ./*.o) \
        >> "$WORK/sizes.txt" 2>/dev/null
done
python3 - "$WORK/sizes.txt" "$LIMIT" "$ROWS" <<'PY'
import re, subprocess, sys
path, limit, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
# Off-chain only: the CLI / bot / simulator reports, never called by a program.
OFF_CHAIN = {"account_margin", "apply_plan", "margin_summary", "plan_liquidation",
             "evaluate_liquidation"}
CRATES = ("options_margin_risk", "liquidation_vault", "options_margin")
text = open(path).read()
entries = re.findall(r"Functions: \[(.*?)\]\s*\n\s*Size: (0x[0-9A-Fa-f]+)", text)
demangled = subprocess.run(["c++filt"], input="\n".join(s for s, _ in entries),
                           capture_output=True, text=True, check=True).stdout.split("\n")
worst, failed = {}, []
for (sym, size), full in zip(entries, demangled):
    size = int(size, 16)
    full = re.sub(r"\[[0-9a-f]{16}\]", "", full)
    crate = next((c for c in CRATES if full.lstrip("<").startswith(c + "::")), None)
    if crate is None:
        continue
    leaf = re.split(r"::", full)[-1]
    worst.setdefault(crate, []).append((size, full[:110], leaf))
for crate in CRATES:
    print(f"## {crate}")
    for size, short, leaf in sorted(worst.get(crate, []), reverse=True)[:rows]:
        off = crate == "options_margin_risk" and leaf in OFF_CHAIN
        mark = " (off-chain only)" if off else ""
        print(f"{size:>6} {short}{mark}")
    for size, short, leaf in worst.get(crate, []):
        if size > limit and not (crate == "options_margin_risk" and leaf in OFF_CHAIN):
            failed.append((size, short))
if failed:
    print(f"\nFAIL: frames above {limit} bytes:")
    for size, short in sorted(failed, reverse=True):
        print(f"{size:>6} {short}")
    sys.exit(1)
print(f"\nOK: every on-chain frame is at most {limit} bytes (x86-64 proxy).")
PY
