//! `vegard._vegard`: the native half of the Python package. Every function here translates
//! Python arguments into the library's types, runs the library with the GIL released, and
//! translates the results back (numpy arrays for numbers, JSON text for records, which the
//! Python half turns into dicts). Nothing is computed here that the CLI does not compute
//! through the same library call.
//!
//! One file per concern: [`convert`] (Python values → settings), [`errors`] (exceptions, panics), [`interrupt`] (GIL release,
//! progress, Ctrl-C), [`dataset`] (`vegard.open`), [`nanomech`] (analysis and its
//! products), [`simulate`] (virtual ESM experiments), [`models`] (the contact-model
//! registry).

use pyo3::prelude::*;

mod convert;
mod dataset;
mod errors;
mod interrupt;
mod models;
mod nanomech;
mod simulate;
mod synthetic;

#[pymodule]
fn _vegard(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", vegard::VERSION)?;
    dataset::register(m)?;
    nanomech::register(m)?;
    simulate::register(m)?;
    synthetic::register(m)?;
    models::register(m)?;
    Ok(())
}
