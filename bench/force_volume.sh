#!/usr/bin/env bash
# End-to-end force-volume benchmark: a 256×256 synthetic SEI-like PeakForce-QNM volume with
# 2×500 points per curve (≈1.5 GB .vgc), read + preprocessing + DMT channels + maps, report,
# on this machine's cores. Prints wall time, curves/s and peak memory (max RSS).
#   bash bench/force_volume.sh [path/to/vegard] [pixels]
set -euo pipefail
VEGARD=${1:-target/release/vegard}
N=${2:-256}
dir=$(mktemp -d /tmp/vegard-volume-XXXX)
trap 'rm -rf "$dir"' EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB"
/usr/bin/time -f "synth: %e s, max RSS %M KB" "$VEGARD" synth --pixels "$N" --points 500 --out "$dir/vol.vgc"
ls -l "$dir/vol.vgc" | awk '{printf "volume file: %.2f GB\n", $5/1e9}'
# Drop the page cache's advantage as far as we can without root tricks: read once cold-ish.
/usr/bin/time -f "%e %M" -o "$dir/time.txt" "$VEGARD" nanomech "$dir/vol.vgc" --model dmt --tip-radius 20nm \
    --poisson 0.3 --out "$dir/res" --quiet 2> "$dir/summary.txt"
read -r secs rss < "$dir/time.txt"
cat "$dir/summary.txt" | grep -v "^products"
awk -v s="$secs" -v r="$rss" -v n="$N" 'BEGIN { printf "nanomech %dx%d end to end: %.1f s, %.0f curves/s, peak memory %.0f MB\n", n, n, s, n*n/s, r/1024 }'
ls "$dir/res" | wc -l | awk '{print "products written:", $1, "files"}'
