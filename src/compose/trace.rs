//! The form as it was heard, one row per second: section, key, chord, the voices playing
//! and the eight controls. `attuned render --trace trace.csv` writes it; `--plot` draws its
//! section and key strip.

use super::key::Key;
use crate::controls::{Control, ControlValues};
use std::io::Write;
use std::path::Path;

/// One second of the form.
#[derive(Debug, Clone, PartialEq)]
pub struct FormRow {
    pub time_s: f64,
    pub section: &'static str,
    pub section_number: u32,
    pub key: Key,
    pub chord: String,
    pub voices: Vec<&'static str>,
    pub controls: ControlValues,
}

/// Write rows as CSV (`time,section,key,chord,voices,<controls>`).
pub fn write_csv(path: &Path, rows: &[FormRow]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let names: Vec<String> = Control::ALL.iter().map(|c| c.to_string()).collect();
    writeln!(out, "time,section,key,chord,voices,{}", names.join(","))?;
    for r in rows {
        let controls: Vec<String> = Control::ALL
            .iter()
            .map(|c| format!("{:.3}", r.controls.get(*c)))
            .collect();
        writeln!(
            out,
            "{:.0},{} {},{},{},{},{}",
            r.time_s,
            r.section,
            r.section_number,
            r.key.name(),
            r.chord,
            r.voices.join(" "),
            controls.join(",")
        )?;
    }
    out.flush()
}
