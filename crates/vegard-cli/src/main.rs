//! `vegard`: the command line. A thin shell over the library: parse flags, call pure
//! analysis functions, write products atomically, show progress.

mod demo;
mod export;
mod info;
mod models;
mod nanomech;
mod simulate;
mod synth;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "vegard", version, about = "Electro-chemo-mechanics of battery materials probed by SPM")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the main job on embedded example data and write an HTML report.
    Demo(demo::Args),
    /// Print what a file holds: format, curves, grid, channels, calibration, metadata.
    Info(info::Args),
    /// Force curves → modulus, adhesion, deformation, dissipation (maps for force volumes).
    Nanomech(Box<nanomech::Args>),
    /// List the contact models with their formulas, parameters and citations.
    Models(models::Args),
    /// Convert force curves to vegard's open `.vgc` format or CSV.
    Export(export::Args),
    /// Run a virtual experiment on a forward model (`vegard simulate esm ...`).
    Simulate(simulate::Args),
    /// Generate synthetic force curves / volumes with known truth (tests, benchmarks).
    Synth(synth::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let done = |r: anyhow::Result<()>| r.map(|()| std::process::ExitCode::SUCCESS);
    let result = match cli.command {
        Command::Demo(a) => done(demo::run(a)),
        Command::Info(a) => done(info::run(a)),
        Command::Nanomech(a) => nanomech::run(*a),
        Command::Models(a) => done(models::run(a)),
        Command::Export(a) => done(export::run(a)),
        Command::Synth(a) => done(synth::run(a)),
        Command::Simulate(a) => done(simulate::run(a)),
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        std::process::ExitCode::FAILURE
    })
}
