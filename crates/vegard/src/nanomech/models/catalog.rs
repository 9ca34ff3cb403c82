//! The registry as people and programs read it: `vegard models` (text or JSON) and the
//! Python package's `vegard.models()` print exactly this.

use super::{ModelSpec, TipShape, registry};

fn tip_words(t: TipShape) -> &'static str {
    match t {
        TipShape::Radius => "radius R (tip_radius_m, --tip-radius)",
        TipShape::HalfAngle => "half-opening angle (half_angle_deg, --half-angle)",
        TipShape::PunchRadius => "punch radius a (tip_radius_m, --tip-radius)",
    }
}

/// One model's declaration as JSON: key, name, formula, tip geometry it needs, fitted
/// parameters (key, symbol, SI unit, default, bounds), default segment and window, validity
/// (and its length limit) and citation.
pub fn spec_json(s: &ModelSpec) -> serde_json::Value {
    let params: Vec<_> = s
        .params
        .iter()
        .map(|p| {
            serde_json::json!({"key": p.key, "symbol": p.symbol, "unit": p.unit, "description": p.description,
                "default": p.default, "min": p.min, "max": if p.max.is_finite() { Some(p.max) } else { None }})
        })
        .collect();
    serde_json::json!({
        "key": s.key, "name": s.name, "formula": s.formula,
        "tip": format!("{:?}", s.tip), "tip_input": tip_words(s.tip),
        "needs_film_thickness": s.needs_film_thickness,
        "params": params,
        "default_segment": s.default_segment.key(), "default_window": s.default_window,
        "validity": s.validity, "validity_length": s.validity_length,
        "citation": s.citation,
    })
}

/// Every registered model as a JSON array.
pub fn catalog_json() -> serde_json::Value {
    serde_json::Value::Array(registry().iter().map(|m| spec_json(m.spec())).collect())
}

/// Every registered model as text for a terminal.
pub fn catalog_text() -> String {
    let mut out = String::new();
    for m in registry() {
        let s = m.spec();
        let params: Vec<String> = s.params.iter().map(|p| format!("{} [{}]", p.key, p.unit)).collect();
        out += &format!("{:<32} {}\n", s.key, s.name);
        out += &format!("  formula   {}\n", s.formula);
        out += &format!("  fitted    {} + contact_point [m], baseline [N]\n", params.join(", "));
        out += &format!("  needs     {}", tip_words(s.tip));
        if s.needs_film_thickness {
            out += ", film thickness h (film_thickness_m, --film-thickness)";
        }
        out += ", sample Poisson ratio (poisson, --poisson)\n";
        let window =
            s.default_window.map_or("whole segment".to_string(), |[a, b]| format!("{a}–{b} of the force range"));
        out += &format!("  default   {} segment, {window}\n", s.default_segment.key());
        out += &format!("  valid     {}", s.validity);
        if let Some(l) = s.validity_length {
            out += &format!(" (curves indented deeper than {l} are flagged beyond_validity)");
        }
        out += &format!("\n  source    {}\n\n", s.citation);
    }
    out
}
