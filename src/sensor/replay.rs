//! Recorded sessions: heart rate, RR intervals, contact and cadence over time, as CSV.
//! [`parse`] reads one (for `attuned render --replay` and the tests); [`Recorder`] writes one
//! as the daemon receives readings (`attuned --record FILE`), so any real session can be
//! replayed.
//!
//! ```text
//! time,hr,rr,contact,cadence
//! 0.0,62,968 971,1,
//! 1.0,63,952,1,164
//! ```
//! `time` (seconds from the start) is required; the other columns are optional and any
//! cell may be empty (not measured). `rr` holds space-separated intervals in ms; `contact`
//! is 1/0 (or true/false).

use super::Reading;
use std::io::Write;
use std::path::Path;

/// A session file that cannot be read, with `file:line` and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct ReplayError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Column {
    Time,
    Hr,
    Rr,
    Contact,
    Cadence,
}

/// Parse a session CSV; `path` names it in errors.
pub fn parse(path: &str, text: &str) -> Result<Vec<Reading>, ReplayError> {
    let err = |line: usize, message: String| ReplayError {
        path: path.to_owned(),
        line,
        message,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let (hl, header) = lines
        .next()
        .ok_or_else(|| err(1, "empty session file".into()))?;
    let columns = header
        .split(',')
        .map(|c| match c.trim() {
            "time" => Ok(Column::Time),
            "hr" => Ok(Column::Hr),
            "rr" => Ok(Column::Rr),
            "contact" => Ok(Column::Contact),
            "cadence" => Ok(Column::Cadence),
            other => Err(err(
                hl,
                format!("unknown column `{other}` (expected time, hr, rr, contact, cadence)"),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if columns.first() != Some(&Column::Time) {
        return Err(err(hl, "the first column must be `time` (seconds)".into()));
    }
    let mut readings = Vec::new();
    let mut last = f64::NEG_INFINITY;
    for (line, text) in lines {
        let cells: Vec<&str> = text.split(',').map(str::trim).collect();
        if cells.len() != columns.len() {
            return Err(err(
                line,
                format!("{} cells, the header has {}", cells.len(), columns.len()),
            ));
        }
        let mut r = Reading::default();
        for (col, cell) in columns.iter().zip(&cells) {
            let number = |what: &str| -> Result<f32, ReplayError> {
                cell.parse::<f32>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| err(line, format!("{what} `{cell}` is not a number")))
            };
            match col {
                Column::Time => {
                    r.at = cell
                        .parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| err(line, format!("time `{cell}` is not a number")))?;
                    if r.at < last {
                        return Err(err(line, format!("time {} goes backwards", r.at)));
                    }
                    last = r.at;
                }
                _ if cell.is_empty() => {}
                Column::Hr => r.hr = Some(number("heart rate")?),
                Column::Cadence => r.cadence = Some(number("cadence")?),
                Column::Contact => {
                    r.contact = Some(match *cell {
                        "1" | "true" => true,
                        "0" | "false" => false,
                        _ => return Err(err(line, format!("contact `{cell}` is not 1 or 0"))),
                    })
                }
                Column::Rr => {
                    for rr in cell.split_whitespace() {
                        r.rr_ms.push(rr.parse::<f32>().map_err(|_| {
                            err(line, format!("RR interval `{rr}` is not a number"))
                        })?);
                    }
                }
            }
        }
        readings.push(r);
    }
    Ok(readings)
}

/// The header [`Recorder`] writes (all columns).
pub const HEADER: &str = "time,hr,rr,contact,cadence";

/// One reading as a CSV line of [`HEADER`]'s columns (no newline). Numbers are written in
/// their shortest exact form, so [`parse`] gives back the same values.
pub fn format_line(r: &Reading) -> String {
    let opt = |v: Option<f32>| v.map(|v| v.to_string()).unwrap_or_default();
    let rr: Vec<String> = r.rr_ms.iter().map(f32::to_string).collect();
    let contact = match r.contact {
        Some(true) => "1",
        Some(false) => "0",
        None => "",
    };
    format!(
        "{},{},{},{},{}",
        r.at,
        opt(r.hr),
        rr.join(" "),
        contact,
        opt(r.cadence)
    )
}

/// Writes readings to a session file as they arrive. Each line is flushed at once, so a
/// crash loses at most the reading being written.
pub struct Recorder {
    out: std::io::BufWriter<std::fs::File>,
}

impl Recorder {
    /// Create (or truncate) `path` and write the header.
    pub fn create(path: &Path) -> std::io::Result<Recorder> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        writeln!(out, "{HEADER}")?;
        out.flush()?;
        Ok(Recorder { out })
    }

    pub fn write(&mut self, r: &Reading) -> std::io::Result<()> {
        writeln!(self.out, "{}", format_line(r))?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reading() -> impl Strategy<Value = Reading> {
        (
            0.0f64..1e6,
            proptest::option::of(30.0f32..230.0),
            proptest::collection::vec(200.0f32..2000.0, 0..4),
            proptest::option::of(any::<bool>()),
            proptest::option::of(0.0f32..260.0),
        )
            .prop_map(|(at, hr, rr_ms, contact, cadence)| Reading {
                at,
                hr,
                rr_ms,
                contact,
                cadence,
            })
    }

    proptest! {
        #[test]
        fn recorded_sessions_replay_exactly(mut rs in proptest::collection::vec(reading(), 1..20)) {
            rs.sort_by(|a, b| a.at.total_cmp(&b.at));
            let dir = std::env::temp_dir().join(format!("attuned-rec-{}", std::process::id()));
            let path = dir.join(format!("{}.csv", rs.len()));
            let mut rec = Recorder::create(&path).unwrap();
            for r in &rs {
                rec.write(r).unwrap();
            }
            drop(rec);
            let text = std::fs::read_to_string(&path).unwrap();
            prop_assert_eq!(parse("rec.csv", &text).unwrap(), rs);
        }
    }

    #[test]
    fn parses_sparse_columns() {
        let s = "time,hr,rr,contact,cadence\n0,62,968 971,1,\n1.5,,,,164\n";
        let r = parse("s.csv", s).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].hr, Some(62.0));
        assert_eq!(r[0].rr_ms, vec![968.0, 971.0]);
        assert_eq!(r[0].contact, Some(true));
        assert_eq!(r[1].hr, None);
        assert_eq!(r[1].cadence, Some(164.0));
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse("s.csv", "time,hr\n0,60\n1,sixty\n").unwrap_err();
        assert_eq!(e.to_string(), "s.csv:3: heart rate `sixty` is not a number");
        let e = parse("s.csv", "time,hr\n5,60\n1,61\n").unwrap_err();
        assert_eq!(e.to_string(), "s.csv:3: time 1 goes backwards");
        let e = parse("s.csv", "hr,time\n").unwrap_err();
        assert!(e.to_string().starts_with("s.csv:1: the first column"));
        let e = parse("s.csv", "time,pulse\n").unwrap_err();
        assert!(e.to_string().contains("unknown column `pulse`"));
    }
}
