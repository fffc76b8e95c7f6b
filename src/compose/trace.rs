//! The form as it was heard, one row per second: section, key, chord, the voices playing,
//! the eight controls, the breathing read from the heart with the swell's rate, and the
//! heart lead's phase. `attuned render --trace trace.csv` writes it; `--plot` draws its
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
    /// Breathing rate (breaths/min) and its confidence, when it can be told.
    pub breathing: Option<(f32, f32)>,
    /// The swell's rate set now, cycles a minute.
    pub swell_rate: f32,
    /// The heart lead's phase and the arousal (`hr_rel`) the music expresses, when on.
    pub heart_lead: Option<(crate::control::heart_lead::HeartPhase, f32)>,
    /// The sun's elevation (degrees) and the birdsong phrases begun so far.
    pub sun_elevation: f32,
    pub bird_phrases: u64,
    /// The bar's place in the melody's phrases and the cadence written in it.
    pub phrase: crate::compose::planner::PhraseMark,
}

/// Write rows as CSV (`time,section,key,chord,voices,<controls>,breathing_rate,
/// breathing_confidence,swell_rate,sun_elevation,bird_phrases,heart_lead,heart_expressed`;
/// the breathing cells are empty when it is unknown, the heart lead's when it is off;
/// `bird_phrases` counts from the start).
pub fn write_csv(path: &Path, rows: &[FormRow]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let names: Vec<String> = Control::ALL.iter().map(|c| c.to_string()).collect();
    writeln!(
        out,
        "time,section,key,chord,voices,{},breathing_rate,breathing_confidence,swell_rate,sun_elevation,bird_phrases,heart_lead,heart_expressed,phrase,cadence",
        names.join(",")
    )?;
    for r in rows {
        let controls: Vec<String> = Control::ALL
            .iter()
            .map(|c| format!("{:.3}", r.controls.get(*c)))
            .collect();
        let (rate, confidence) = r
            .breathing
            .map_or((String::new(), String::new()), |(b, c)| {
                (format!("{b:.2}"), format!("{c:.2}"))
            });
        let (phase, expressed) = r
            .heart_lead
            .map_or((String::new(), String::new()), |(p, e)| {
                (p.name().to_owned(), format!("{e:.3}"))
            });
        writeln!(
            out,
            "{:.0},{} {},{},{},{},{},{rate},{confidence},{:.3},{:.2},{},{phase},{expressed},{} {}/{},{}",
            r.time_s,
            r.section,
            r.section_number,
            r.key.name(),
            r.chord,
            r.voices.join(" "),
            controls.join(","),
            r.swell_rate,
            r.sun_elevation,
            r.bird_phrases,
            r.phrase.number,
            r.phrase.bar + 1,
            r.phrase.bars,
            r.phrase.cadence.name()
        )?;
    }
    out.flush()
}
