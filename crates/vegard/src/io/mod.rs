//! Instrument file readers. One module per format; each exposes `RECIPE` (see
//! [`registry::FormatRecipe`]) and returns a [`Dataset`]. [`open`] picks the recipe by
//! magic bytes first, extension second. The formats vegard writes live here too (`.vgc`
//! curves, NSID/HDF5, Gwyddion `.gsf` maps in [`gsf`]), and every output file is written with
//! [`write_atomic`]. Force curves are read through the streaming
//! [`CurveSource`] trait (one curve at a time, from any thread; [`read_block`] gathers a
//! range into a column-wise [`crate::data::CurveMap`]).

pub mod atomic;
mod error;
pub mod gsf;
pub mod hdf5;
pub mod ibw;
pub mod jpk;
pub mod nanoscope;
pub mod nsid;
pub mod registry;
mod source;
pub mod text;
pub mod vegard_curves;

use std::io::Read;
use std::path::Path;

pub use atomic::write_atomic;
pub use error::{IoError, Location, MAX_DECLARED_BYTES, check_declared};
pub use registry::FormatRecipe;
pub use source::{CurveList, CurveSource, SourceInfo, read_block};

use crate::data::{Image, Metadata};

/// What a file holds. More kinds (spectra, cubes) join as their readers land.
pub enum Dataset {
    /// One or many force curves (single curve, force map, QI data).
    Curves(Box<dyn CurveSource>),
    /// Scanned images (one per channel) with the file's metadata.
    Images { format: String, images: Vec<Image>, metadata: Metadata },
}

impl Dataset {
    /// The curves, if this dataset holds force curves.
    pub fn into_curves(self) -> Option<Box<dyn CurveSource>> {
        match self {
            Dataset::Curves(c) => Some(c),
            Dataset::Images { .. } => None,
        }
    }
}

static RECIPES: [FormatRecipe; 5] = [jpk::RECIPE, nanoscope::RECIPE, ibw::RECIPE, vegard_curves::RECIPE, text::RECIPE];

/// First 4 KiB of a file (less if it is shorter).
pub fn read_head(path: &Path) -> Result<Vec<u8>, IoError> {
    let f = std::fs::File::open(path).map_err(|e| IoError::from_io(path, &e))?;
    let mut head = Vec::with_capacity(4096);
    f.take(4096).read_to_end(&mut head).map_err(|e| IoError::from_io(path, &e))?;
    Ok(head)
}

/// The recipe that claims this file: magic bytes first, then the extension.
pub fn detect(path: &Path) -> Result<&'static FormatRecipe, IoError> {
    let head = read_head(path)?;
    let recipes = registry::recipes();
    recipes
        .iter()
        .find(|r| (r.detect)(path, &head))
        .or_else(|| recipes.iter().find(|r| r.matches_extension(path)))
        .ok_or_else(|| {
            let known: Vec<&str> = recipes.iter().flat_map(|r| r.extensions.iter().copied()).collect();
            IoError::new(path, format!("unknown file format (known extensions: {})", known.join(", ")))
        })
}

/// Open any supported file.
pub fn open(path: &Path) -> Result<Dataset, IoError> {
    let recipe = detect(path)?;
    (recipe.open)(path)
}

/// Open a file that must hold force curves.
pub fn open_curves(path: &Path) -> Result<Box<dyn CurveSource>, IoError> {
    open(path)?.into_curves().ok_or_else(|| IoError::new(path, "file holds no force curves"))
}
