//! `vegard info FILE...`: what each file holds (`vegard::io::describe`).

use std::path::PathBuf;

use anyhow::Result;
use vegard::io::describe;

#[derive(clap::Args)]
pub struct Args {
    /// Files to describe.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let mut failed = 0;
    for path in &args.files {
        let text = if args.json {
            describe::describe_json(path).map(|v| serde_json::to_string_pretty(&v).unwrap_or_default())
        } else {
            describe::describe_text(path)
        };
        match text {
            Ok(t) => println!("{t}"),
            Err(e) => {
                eprintln!("error: {e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} files could not be read", args.files.len());
    }
    Ok(())
}
