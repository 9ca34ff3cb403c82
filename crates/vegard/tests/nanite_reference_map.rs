//! The whole pipeline (reader → tip position → force offset → tip offset → weighted Sneddon
//! fit) against nanite on a real JPK force map: the three curves of
//! fmt-jpk-fd_map-data-reference-points (zebrafish spinal-cord section, nanite paper Fig. 5),
//! with the settings its README gives. The README withholds reference moduli; the values
//! below are nanite 4.2.3's own fits of this file, produced by `bench/nanite_reference_map.py`
//! (numpy 2.4.6, scipy 1.17.1, lmfit 1.3.4). Tolerance: 1e-3 relative, the agreement the
//! issue asks of vegard against nanite; measured: 2.5e-7, 6.3e-5, 1.9e-6 (two different
//! optimisers stopping in the same shallow minimum).

mod common;

use vegard::batch::nanomech::analyse_source;
use vegard::nanomech::{NanomechSettings, Setup};

/// (curve number in the map, E in Pa, contact point in m) from nanite 4.2.3.
const NANITE: [(u64, f64, f64); 3] = [
    (109, 57.629444482123276, -1.820430527027728e-06),
    (129, 17608.123636856963, -2.1069917320687337e-06),
    (416, 46.61444033436581, -3.5810310443879073e-06),
];

#[test]
fn weighted_sneddon_fits_match_nanite() {
    let Some(p) = common::shared_data("forcecurves/fmt-jpk-fd_map-data-reference-points.jpk-force-map") else {
        return;
    };
    let src = vegard::io::open_curves(&p).unwrap();
    let settings = NanomechSettings {
        model: Some("sneddon-sphere-approx".into()),
        tip_radius_m: Some(37.28e-6 / 2.0),
        poisson: Some(0.5),
        fix_baseline: true,
        weight_cp_m: Some(2e-6),
        ..NanomechSettings::default()
    };
    let setup = Setup::new(&settings).unwrap();
    let results = analyse_source(src.as_ref(), "map", &setup, &|_| {});
    assert_eq!(results.len(), 3);
    for (r, (n, e, cp)) in results.iter().zip(NANITE) {
        assert!(r.flags.is_empty(), "curve {n}: {:?}", r.flags);
        common::assert_rel(&format!("curve {n} E"), r.modulus_pa, e, 1e-3);
        common::assert_rel(&format!("curve {n} contact point"), r.contact_point_m, cp, 1e-3);
    }
    // Without the weighting the fits differ from nanite's by 4–35 %: the weighting matters
    // and is what makes the agreement above.
    let unweighted = Setup::new(&NanomechSettings { weight_cp_m: None, ..settings }).unwrap();
    let plain = analyse_source(src.as_ref(), "map", &unweighted, &|_| {});
    assert!(plain.iter().zip(NANITE).any(|(r, (_, e, _))| (r.modulus_pa / e - 1.0).abs() > 0.03));
}
