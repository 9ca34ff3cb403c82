//! Plain-text force curves: CSV / TSV / whitespace-separated columns.
//!
//! Accepted layouts (comments start with `#`; `# key: value` comment lines become metadata,
//! and `spring_constant_n_per_m` / `sensitivity_m_per_v` set the calibration):
//! - two bare columns: height (m) and force (N);
//! - a header line naming the columns with units, e.g. `height (nm), force [nN]`,
//!   `tip_position_m,force_n`, `Time (s)\tDeflection (m)`; recognised quantities are
//!   piezo/measured height, tip position, deflection, force, time, and an integer
//!   `segment` column (0 = approach, then retract, as in nanite/afmformats exports).
//!
//! Without a segment column the curve is split at its turning point (the sample closest to
//! the surface): before it is the approach, after it the retract.

use std::io::{BufRead, BufReader};
use std::path::Path;

use super::{CurveList, Dataset, FormatRecipe, IoError, Location};
use crate::data::{Channel, ChannelKind, ForceCurve, Metadata, Segment, SegmentKind};
use crate::units::parse_quantity;

pub const RECIPE: FormatRecipe = FormatRecipe {
    key: "text",
    name: "Text force curve (CSV/TSV)",
    extensions: &["csv", "tsv", "txt"],
    // Plain text has no magic: only the extension says so.
    detect: |_, _| false,
    open,
};

/// Text files larger than this are refused (the binary `.vgc` format is for big data).
const MAX_TEXT_BYTES: u64 = 1 << 30;

/// One column: what it holds and the factor from the file's unit to SI (`None` for segment).
#[derive(Debug, Clone)]
struct ColumnSpec {
    kind: Option<ChannelKind>,
    name: String,
    unit: String,
    factor: f64,
}

fn open(path: &Path) -> Result<Dataset, IoError> {
    let curve = read_curve(path)?;
    Ok(Dataset::Curves(Box::new(CurveList::new("text", vec![curve], None, Metadata::default()))))
}

/// Read one force curve from a text file.
pub fn read_curve(path: &Path) -> Result<ForceCurve, IoError> {
    let meta = std::fs::metadata(path).map_err(|e| IoError::from_io(path, &e))?;
    if meta.len() > MAX_TEXT_BYTES {
        return Err(IoError::new(path, format!("text file of {} bytes exceeds the 1 GiB text limit", meta.len())));
    }
    let file = std::fs::File::open(path).map_err(|e| IoError::from_io(path, &e))?;
    let reader = BufReader::new(file);
    let mut metadata = Metadata::default();
    let mut columns: Option<Vec<ColumnSpec>> = None;
    let mut values: Vec<Vec<f64>> = Vec::new();
    for (i, line) in reader.split(b'\n').enumerate() {
        let lineno = i + 1;
        let raw = line.map_err(|e| IoError::from_io(path, &e))?;
        let text = String::from_utf8_lossy(&raw);
        let line = text.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            if let Some((k, v)) = comment.split_once(':') {
                let (k, v) = (k.trim(), v.trim());
                match v.parse::<f64>() {
                    Ok(x) => metadata.set_number(k, x, None),
                    Err(_) => metadata.set_text(k, v),
                }
            }
            continue;
        }
        let fields = split_fields(line);
        let numbers: Option<Vec<f64>> = fields.iter().map(|f| f.parse::<f64>().ok()).collect();
        match (&columns, numbers) {
            (None, Some(nums)) => {
                // No header: height (m), force (N) and optionally a segment column.
                if nums.len() < 2 {
                    return Err(IoError::at(path, Location::Line(lineno), "expected at least two columns"));
                }
                let mut spec = vec![
                    ColumnSpec {
                        kind: Some(ChannelKind::PiezoHeight),
                        name: "height".into(),
                        unit: "m".into(),
                        factor: 1.0,
                    },
                    ColumnSpec { kind: Some(ChannelKind::Force), name: "force".into(), unit: "N".into(), factor: 1.0 },
                ];
                for extra in 2..nums.len() {
                    spec.push(ColumnSpec {
                        kind: Some(ChannelKind::Other(format!("column{}", extra + 1))),
                        name: format!("column{}", extra + 1),
                        unit: String::new(),
                        factor: 1.0,
                    });
                }
                values = vec![Vec::new(); spec.len()];
                columns = Some(spec);
                push_row(path, lineno, &nums, &mut values)?;
            }
            (None, None) => {
                let spec = fields.iter().map(|f| column_spec(f)).collect::<Vec<_>>();
                values = vec![Vec::new(); spec.len()];
                columns = Some(spec);
            }
            (Some(_), Some(nums)) => push_row(path, lineno, &nums, &mut values)?,
            (Some(_), None) => {
                let bad = fields.iter().find(|f| f.parse::<f64>().is_err()).cloned().unwrap_or_default();
                return Err(IoError::at(path, Location::Line(lineno), format!("expected numbers, found '{bad}'")));
            }
        }
    }
    let columns = columns.ok_or_else(|| IoError::new(path, "no data rows found"))?;
    if values.first().is_none_or(|c| c.is_empty()) {
        return Err(IoError::new(path, "header found but no data rows"));
    }
    build_curve(path, columns, values, metadata)
}

fn split_fields(line: &str) -> Vec<String> {
    let parts: Vec<&str> = if line.contains('\t') {
        line.split('\t').collect()
    } else if line.contains(',') || line.contains(';') {
        line.split([',', ';']).collect()
    } else {
        line.split_whitespace().collect()
    };
    parts.iter().map(|p| p.trim().trim_matches('"').to_string()).collect()
}

fn push_row(path: &Path, lineno: usize, nums: &[f64], values: &mut [Vec<f64>]) -> Result<(), IoError> {
    if nums.len() != values.len() {
        return Err(IoError::at(
            path,
            Location::Line(lineno),
            format!("expected {} columns, found {}", values.len(), nums.len()),
        ));
    }
    for (col, v) in values.iter_mut().zip(nums) {
        col.push(*v);
    }
    Ok(())
}

/// Understand a header cell: quantity name plus a unit in (), [] or as a `_unit` suffix.
fn column_spec(cell: &str) -> ColumnSpec {
    let cell = cell.trim();
    let (name, unit) = if let Some(open) = cell.find(['(', '[']) {
        let unit = cell[open + 1..].trim_end_matches([')', ']']).trim();
        (cell[..open].trim().to_string(), unit.to_string())
    } else if let Some((n, u)) = cell.rsplit_once('_').filter(|(_, u)| matches!(*u, "m" | "n" | "s" | "v" | "pa")) {
        let unit = match u {
            "n" => "N",
            "v" => "V",
            "pa" => "Pa",
            other => other,
        };
        (n.to_string(), unit.to_string())
    } else {
        (cell.to_string(), String::new())
    };
    let lname = name.to_ascii_lowercase().replace(['_', '-'], " ");
    let kind = if let k @ (ChannelKind::PiezoHeight
    | ChannelKind::MeasuredHeight
    | ChannelKind::Deflection
    | ChannelKind::Force
    | ChannelKind::Time
    | ChannelKind::TipPosition) = ChannelKind::from_key(&name)
    {
        Some(k)
    } else if lname.starts_with("segment") {
        None
    } else if lname.contains("tip position") || lname == "separation" {
        Some(ChannelKind::TipPosition)
    } else if lname.contains("measured") || lname.contains("zsnsr") || lname.contains("strain") {
        Some(ChannelKind::MeasuredHeight)
    } else if lname.contains("height") || lname.contains("piezo") || lname == "z" || lname.contains("distance") {
        Some(ChannelKind::PiezoHeight)
    } else if lname.contains("force") {
        Some(ChannelKind::Force)
    } else if lname.contains("deflection") || lname == "defl" {
        Some(ChannelKind::Deflection)
    } else if lname.starts_with("time") {
        Some(ChannelKind::Time)
    } else {
        Some(ChannelKind::Other(name.clone()))
    };
    let base = match kind {
        Some(ChannelKind::Force) => "N",
        Some(ChannelKind::Time) => "s",
        Some(ChannelKind::Other(_)) | None => "",
        Some(_) => "m",
    };
    // Scale from the file's unit to SI when the unit is the base unit with a prefix.
    let (factor, unit) = if base.is_empty() || unit.is_empty() {
        (1.0, if unit.is_empty() { base.to_string() } else { unit.clone() })
    } else {
        match parse_quantity(&format!("1{unit}"), base) {
            Ok(f) => (f, base.to_string()),
            Err(_) => (1.0, unit.clone()),
        }
    };
    ColumnSpec { kind, name, unit, factor }
}

fn build_curve(
    path: &Path,
    columns: Vec<ColumnSpec>,
    mut values: Vec<Vec<f64>>,
    metadata: Metadata,
) -> Result<ForceCurve, IoError> {
    let n = values[0].len();
    if !columns.iter().any(|c| c.kind == Some(ChannelKind::Force) || c.kind == Some(ChannelKind::Deflection)) {
        return Err(IoError::new(path, "no force or deflection column (expected a header naming one)"));
    }
    for (c, v) in columns.iter().zip(values.iter_mut()) {
        if c.factor != 1.0 {
            v.iter_mut().for_each(|x| *x *= c.factor);
        }
    }
    // Segment boundaries: from a segment column, else at the turning point of the height.
    let seg_col = columns.iter().position(|c| c.kind.is_none());
    let bounds: Vec<(SegmentKind, usize, usize)> = if let Some(sc) = seg_col {
        let mut b = Vec::new();
        let mut start = 0;
        for i in 1..=n {
            if i == n || values[sc][i] != values[sc][start] {
                let id = values[sc][start];
                let kind = match id as i64 {
                    0 => SegmentKind::Approach,
                    1 => SegmentKind::Retract,
                    _ => SegmentKind::Other,
                };
                b.push((kind, start, i));
                start = i;
            }
        }
        b
    } else {
        let height = [ChannelKind::TipPosition, ChannelKind::MeasuredHeight, ChannelKind::PiezoHeight]
            .iter()
            .find_map(|k| columns.iter().position(|c| c.kind.as_ref() == Some(k)));
        match height {
            Some(h) => {
                let turn = values[h]
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .min_by(|a, b| a.1.total_cmp(b.1))
                    .map_or(n - 1, |(i, _)| i);
                if turn + 1 >= n {
                    vec![(SegmentKind::Approach, 0, n)]
                } else if turn == 0 {
                    vec![(SegmentKind::Retract, 0, n)]
                } else {
                    vec![(SegmentKind::Approach, 0, turn + 1), (SegmentKind::Retract, turn + 1, n)]
                }
            }
            None => vec![(SegmentKind::Approach, 0, n)],
        }
    };
    let mut curve = ForceCurve::new(0);
    curve.calibration.spring_constant_n_per_m = metadata.number("spring_constant_n_per_m");
    curve.calibration.sensitivity_m_per_v = metadata.number("sensitivity_m_per_v");
    for (kind, a, b) in bounds {
        let mut seg = Segment::new(kind, kind.key());
        for (c, v) in columns.iter().zip(&values) {
            if let Some(k) = &c.kind {
                seg.channels.push(Channel::new(k.clone(), c.name.clone(), c.unit.clone(), v[a..b].to_vec()));
            }
        }
        curve.segments.push(seg);
    }
    curve.metadata = metadata;
    Ok(curve)
}

/// Write a curve as CSV in the layout [`read_curve`] reads back (segment column, SI units
/// in the header, calibration as comments).
pub fn curve_csv(curve: &ForceCurve) -> String {
    let kinds = curve.channel_kinds();
    let mut out = String::from("# vegard force curve\n");
    if let Some(k) = curve.calibration.spring_constant_n_per_m {
        out += &format!("# spring_constant_n_per_m: {k:e}\n");
    }
    if let Some(s) = curve.calibration.sensitivity_m_per_v {
        out += &format!("# sensitivity_m_per_v: {s:e}\n");
    }
    out += "segment";
    let units: Vec<String> =
        kinds.iter().map(|k| curve.segments[0].channel(k).map_or(String::new(), |c| c.unit.clone())).collect();
    for (k, u) in kinds.iter().zip(&units) {
        out += &format!(",{} ({})", k.key(), u);
    }
    out.push('\n');
    for (si, seg) in curve.segments.iter().enumerate() {
        let id = match seg.kind {
            SegmentKind::Approach => 0,
            SegmentKind::Retract => 1,
            _ => 2 + si,
        };
        for i in 0..seg.len() {
            out += &id.to_string();
            for k in &kinds {
                out += &format!(",{:e}", seg.data(k).map_or(f64::NAN, |d| d[i]));
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("vegard-text-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn two_bare_columns_split_at_turning_point() {
        let p = tmp("bare.csv", "3e-9,0\n2e-9,0\n1e-9,1e-9\n0,2e-9\n1e-9,1e-9\n2e-9,0\n");
        let c = read_curve(&p).unwrap();
        assert_eq!(c.segments.len(), 2);
        assert_eq!(c.segments[0].len(), 4);
        assert_eq!(c.segments[1].kind, SegmentKind::Retract);
        assert_eq!(c.segments[0].data(&ChannelKind::Force).unwrap()[3], 2e-9);
    }

    #[test]
    fn header_units_are_scaled() {
        let p = tmp("hdr.tsv", "# spring_constant_n_per_m: 0.05\nheight (nm)\tforce [nN]\n10\t0\n5\t2\n");
        let c = read_curve(&p).unwrap();
        assert_eq!(c.calibration.spring_constant_n_per_m, Some(0.05));
        assert_eq!(c.segments[0].data(&ChannelKind::PiezoHeight).unwrap(), &[10e-9, 5e-9]);
        assert_eq!(c.segments[0].data(&ChannelKind::Force).unwrap(), &[0.0, 2e-9]);
    }

    #[test]
    fn errors_name_the_line() {
        let p = tmp("bad.csv", "height (m),force (N)\n1,2\n1,x\n");
        let e = read_curve(&p).unwrap_err();
        assert_eq!(e.location, Location::Line(3));
        let p = tmp("short.csv", "1,2\n1,2,3\n");
        assert!(read_curve(&p).unwrap_err().message.contains("expected 2 columns"));
        let p = tmp("empty.csv", "# nothing\n");
        assert!(read_curve(&p).is_err());
    }

    #[test]
    fn csv_round_trip() {
        let p = tmp("orig.csv", "segment,height (m),force (N)\n0,3e-9,0\n0,1e-9,1e-9\n1,2e-9,-1e-10\n");
        let c = read_curve(&p).unwrap();
        let q = tmp("again.csv", &curve_csv(&c));
        let d = read_curve(&q).unwrap();
        assert_eq!(c.segments.len(), d.segments.len());
        for (a, b) in c.segments.iter().zip(&d.segments) {
            assert_eq!(a.kind, b.kind);
            for ca in &a.channels {
                assert_eq!(Some(&ca.data), b.data(&ca.kind).map(|d| d.to_vec()).as_ref());
            }
        }
    }
}
