//! `vegard models`: the registered contact models, from their own declarations
//! (`vegard::nanomech::models::catalog`).

use anyhow::Result;
use vegard::nanomech::models::catalog;

#[derive(clap::Args)]
pub struct Args {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    if args.json {
        println!("{}", serde_json::to_string_pretty(&catalog::catalog_json())?);
    } else {
        print!("{}", catalog::catalog_text());
    }
    Ok(())
}
