//! Synthetic SEI-like PeakForce-QNM force volumes with known truth, written as `.vgc` (for
//! `vegard synth`, the demo, tests and benchmarks).

use std::path::Path;

use crate::data::{ChannelKind, Metadata};
use crate::io::vegard_curves::VgcWriter;
use crate::nanomech::synthetic::{Acquisition, SeiSurface};

/// Write the `pixels`² curves of `surface` measured with `acq` to `path` (streamed, so any
/// size fits in memory); `progress(done)` after every row of pixels.
pub fn write_sei_volume(
    path: &Path,
    surface: &SeiSurface,
    acq: &Acquisition,
    progress: &dyn Fn(usize),
) -> std::io::Result<()> {
    let chans = vec![
        (ChannelKind::MeasuredHeight, "height".to_string(), "m".to_string()),
        (ChannelKind::Force, "force".to_string(), "N".to_string()),
        (ChannelKind::Time, "time".to_string(), "s".to_string()),
    ];
    let mut meta = Metadata::default();
    meta.set_text("synthetic", "vegard synth: SEI-like Voronoi phases, DMT retract, Hertz approach");
    meta.set_number("tip_radius_m", acq.tip_radius_m, Some("m"));
    meta.set_number("poisson", acq.poisson, None);
    let mut w = VgcWriter::create(path, &chans, Some(surface.grid()), meta, Some("synthetic"))?;
    for y in 0..surface.ny {
        for x in 0..surface.nx {
            w.push(&surface.curve(x, y, acq))?;
        }
        progress((y + 1) * surface.nx);
    }
    w.finish()
}
