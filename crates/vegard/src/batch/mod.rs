//! Running an analysis over what the user names: inputs expanded (folders, globs), every
//! file opened and analysed in parallel, a file that cannot be read an error row rather than
//! a failed run. The CLI and the Python package call this; nothing here prints.

pub mod inputs;
pub mod nanomech;
pub mod transfer;
