#!/usr/bin/env bash
# Cuts the power under a hub again and again (tests/power_cut.rs), more often than CI does:
#   scripts/power-cut.sh [CUTS]      (default 200)
# The hub's files live on LazyFS (tools/lazyfs); after every cut the hub must start by itself,
# every acknowledged alert must be in the log once, and `guardia verify` must pass at the end.
# Needs root and /dev/fuse; builds LazyFS into ~/.cache/lazyfs the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -e /dev/fuse ] || { echo "no /dev/fuse on this machine: LazyFS cannot mount" >&2; exit 1; }
GUARDIA_LAZYFS=$(bash tools/lazyfs/build.sh)
export GUARDIA_LAZYFS GUARDIA_POWER_CUTS="${1:-200}"
exec cargo test --release --test power_cut -- --nocapture
