#!/usr/bin/env bash
# A batch of 300 real force-curve files (5 files from ../shared/data copied into 60 folders,
# so basenames repeat) plus two corrupt ones, analysed and written with `--out`: prints how
# long the analysis and the writing of the products took (vegard's own timings), the number
# of files written, the size of the index report and of the whole folder.
#
#   bash bench/batch_products.sh target/release/vegard [SHARED_DATA]
set -euo pipefail
VEGARD=${1:?path to the vegard binary}
SHARED=${2:-$(dirname "$0")/../../shared/data}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for i in $(seq -w 0 59); do
    mkdir -p "$dir/data/day$i"
    cp "$SHARED/forcecurves/fmt-jpk-fd_spot3-0192.jpk-force" "$SHARED/forcecurves/fmt-igor-fd_SiN_FD_plot.ibw" \
       "$SHARED/forcecurves/20200904_Egel4-Z1.0_00025.spm" \
       "$SHARED/forcecurves/fmt-jpk-fd_2020.02.07-16.29.05.036.jpk-qi-data" \
       "$SHARED/formats/jpk/fmt-jpk-fd_map2x2_extracted.jpk-force-map" "$dir/data/day$i/"
done
head -c 5000 "$SHARED/forcecurves/fmt-jpk-fd_spot3-0192.jpk-force" > "$dir/data/day00/cut.jpk-force"
: > "$dir/data/day01/empty.jpk-force"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for plots in none gallery; do
    rm -rf "$dir/out"
    start=$(date +%s.%N)
    "$VEGARD" nanomech "$dir/data" --model hertz-paraboloid --tip-radius 10um --poisson 0.5 --quiet \
        --plot-curves "$plots" --out "$dir/out" 2> "$dir/log.txt" || true
    end=$(date +%s.%N)
    echo "--plot-curves $plots: $(grep -E '^analysed' "$dir/log.txt"); $(grep -E '^wrote' "$dir/log.txt" | sed 's/ to .*//')"
    awk -v a="$start" -v b="$end" 'BEGIN { printf "  whole run %.2f s wall\n", b - a }'
    echo "  index report $(stat -c %s "$dir/out/report.html") B, folder $(du -sh "$dir/out" | cut -f1)"
done
