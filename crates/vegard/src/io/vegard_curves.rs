//! PLACEHOLDER: reader being written.

use std::path::Path;

use super::{Dataset, FormatRecipe, IoError};

pub const RECIPE: FormatRecipe =
    FormatRecipe { key: "vegard_curves", name: "vegard_curves", extensions: &[], detect: |_, _| false, open };

fn open(path: &Path) -> Result<Dataset, IoError> {
    Err(IoError::new(path, "reader not yet available"))
}
