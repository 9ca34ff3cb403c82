#!/usr/bin/env python3
"""nanite's fits of the three curves of fmt-jpk-fd_map-data-reference-points.jpk-force-map with the
pipeline its README gives (nanite paper fig. 5): compute_tip_position, correct_force_offset,
correct_tip_offset (deviation_from_baseline); sneddon_spher_approx, R = 37.28e-6/2 m, nu = 0.5,
E init 50 Pa, baseline fixed at 0, full approach range, weight_cp = 2e-6 m. Prints E and the contact
point per curve, the numbers crates/vegard/tests/nanite_reference_map.rs compares with.

  /path/to/venv-with-nanite/bin/python bench/nanite_reference_map.py ../shared/data
"""
import sys

import nanite

path = sys.argv[1] + "/forcecurves/fmt-jpk-fd_map-data-reference-points.jpk-force-map"
print(f"nanite {nanite.__version__}")
for idnt in nanite.load_group(path):
    idnt.apply_preprocessing(["compute_tip_position", "correct_force_offset", "correct_tip_offset"],
                             options={"correct_tip_offset": {"method": "deviation_from_baseline"}})
    params = idnt.get_initial_fit_parameters(model_key="sneddon_spher_approx")
    params["R"].value = 37.28e-6 / 2
    params["nu"].value = 0.5
    params["E"].value = 50
    params["baseline"].value = 0
    params["baseline"].vary = False
    idnt.fit_model(model_key="sneddon_spher_approx", params_initial=params, weight_cp=2e-6,
                   x_axis="tip position", y_axis="force", segment="approach")
    p = idnt.fit_properties["params_fitted"]
    print(f"curve {idnt.metadata['enum']}: E = {p['E'].value!r} Pa, contact_point = {p['contact_point'].value!r} m")
