#!/usr/bin/env bash
# Wall times of the ESM virtual experiments with their default settings (issue 3's benchmark): the full
# spectroscopy (3 periods × 35 pulses × 3 cycles, ±2 V), the 200 × 200 map over 80 L and the ±2 V
# relaxation, on the coarse and the default mesh. No peer runs these experiments; the peer comparison of
# the step they are built from is skfem_compare.py.
#
#   bash bench/esm_experiments.sh target/release/vegard [coarse|default|both]
#
# Prints one line per run: experiment, preset, mesh, wall time (s), peak memory (MB), and the headline
# numbers of the result (loop openings, map amplitudes, relaxation τ).
set -euo pipefail
vegard=${1:?usage: esm_experiments.sh VEGARD [coarse|default|both]}
meshes=${2:-coarse}
[[ $meshes == both ]] && meshes="coarse default"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() { # experiment preset mesh
    local json="$out/$1-$2-$3.json"
    /usr/bin/time -f "%e %M" -o "$out/time" "$vegard" simulate esm --quiet --experiment "$1" --preset "$2" \
        --mesh "$3" --json "$json" > /dev/null
    read -r wall kb < "$out/time"
    python3 - "$json" "$1" "$2" "$3" "$wall" "$kb" <<'PY'
import json, sys
path, exp, preset, mesh, wall, kb = sys.argv[1:]
s = json.load(open(path))["summary"]
if exp == "spectroscopy":
    o = s["opening_vs_period"]
    head = "opening " + ", ".join(f"{v:.3e}" for v in o["opening_m"]) + " m at P = " + ", ".join(f"{p:g}" for p in o["period_s"]) + " s"
elif exp == "mapping":
    head = json.dumps({k: v for k, v in s.items() if isinstance(v, (int, float))})[:200]
else:
    taus = [st["fit"]["tau_s"] for st in s["steps"] if st["bias_v"] == 0.0 and st["fit"]]
    head = "zero-bias tau " + ", ".join(f"{t:.2f}" for t in taus) + f" s, tau_hat {s['tau_hat']:.3f}"
print(f"{exp:13s} {preset:8s} {mesh:8s} {float(wall):8.1f} s {int(kb) / 1024:7.0f} MB   {head}")
PY
}
echo "experiment    preset   mesh        wall       peak   result"
for mesh in $meshes; do
    run spectroscopy ceria "$mesh"
    run mapping lifepo4 "$mesh"
    run relaxation lifepo4 "$mesh"
done
