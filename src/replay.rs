//! Recorded sessions: heart rate, RR intervals, contact and cadence over time, from CSV,
//! replayed through the features and the control model by `attuned render --replay`.
//!
//! ```text
//! time,hr,rr,contact,cadence
//! 0.0,62,968 971,1,
//! 1.0,63,952,1,164
//! ```
//! `time` (seconds from the start) is required; the other columns are optional and any
//! cell may be empty (not measured). `rr` holds space-separated intervals in ms; `contact`
//! is 1/0 (or true/false).

use crate::features::Reading;

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
                    r.at = number("time")? as f64;
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

#[cfg(test)]
mod tests {
    use super::*;

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
