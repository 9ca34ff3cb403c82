//! Errors reach Python as the package's own exceptions (defined in `vegard/errors.py`, so
//! that they can also derive from the built-in ones users catch: `SettingsError` is a
//! `ValueError`, `FormatError` an `OSError`), with the CLI's message. A panic is caught
//! at the boundary and raised as `VegardError` naming it a bug: it never reaches Python as a
//! `PanicException`, and never aborts the interpreter.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::prelude::*;

/// The exception classes of `vegard.errors`.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Anything else.
    Vegard,
    /// A file could not be read.
    Format,
    /// Settings or arguments that cannot work.
    Settings,
    /// A simulation failed.
    Simulation,
    /// Products could not be written.
    Output,
    /// Arrays given from Python that cannot be analysed (NaN, lengths, shapes).
    Data,
}

impl Kind {
    fn class(self) -> &'static str {
        match self {
            Kind::Vegard => "VegardError",
            Kind::Format => "FormatError",
            Kind::Settings => "SettingsError",
            Kind::Simulation => "SimulationError",
            Kind::Output => "OutputError",
            Kind::Data => "DataError",
        }
    }
}

/// A Python exception of `kind` with `message`.
pub fn error(kind: Kind, message: impl Into<String>) -> PyErr {
    let message = message.into();
    Python::attach(|py| {
        match py.import("vegard.errors").and_then(|m| m.getattr(kind.class())) {
            Ok(class) => match class.call1((message.clone(),)) {
                Ok(instance) => PyErr::from_value(instance),
                Err(e) => e,
            },
            // The pure-Python half is missing (the module imported alone): still an error.
            Err(_) => pyo3::exceptions::PyRuntimeError::new_err(message),
        }
    })
}

/// Shorthand for the common kinds.
pub fn settings(message: impl std::fmt::Display) -> PyErr {
    error(Kind::Settings, message.to_string())
}
pub fn format(message: impl std::fmt::Display) -> PyErr {
    error(Kind::Format, message.to_string())
}
pub fn output(message: impl std::fmt::Display) -> PyErr {
    error(Kind::Output, message.to_string())
}

/// The message of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// The error raised for a panic: a bug in vegard, said plainly.
pub fn internal(message: &str) -> PyErr {
    error(
        Kind::Vegard,
        format!("internal error in vegard (a bug; please report it with the input that caused it): {message}"),
    )
}

/// Run `f`, turning a panic into `VegardError`.
pub fn guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => Err(internal(&panic_message(payload.as_ref()))),
    }
}
