//! `vegard models`: the registered contact models, from their own declarations.

use anyhow::Result;
use vegard::nanomech::models;

#[derive(clap::Args)]
pub struct Args {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let mut all = Vec::new();
    for m in models::registry() {
        let s = m.spec();
        if args.json {
            let params: Vec<_> = s
                .params
                .iter()
                .map(|p| serde_json::json!({"key": p.key, "symbol": p.symbol, "unit": p.unit, "description": p.description, "default": p.default, "min": p.min, "max": if p.max.is_finite() { Some(p.max) } else { None }}))
                .collect();
            all.push(serde_json::json!({"key": s.key, "name": s.name, "formula": s.formula, "tip": format!("{:?}", s.tip), "params": params, "validity": s.validity, "citation": s.citation}));
        } else {
            println!("{:<24} {}\n  {:<22} {}", s.key, s.name, "", s.formula);
            let params: Vec<String> = s.params.iter().map(|p| format!("{} [{}]", p.key, p.unit)).collect();
            println!("  {:<22} fitted: {} + contact_point [m], baseline [N]; tip: {:?}", "", params.join(", "), s.tip);
            println!("  {:<22} valid: {}\n  {:<22} source: {}\n", "", s.validity, "", s.citation);
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&all)?);
    }
    Ok(())
}
