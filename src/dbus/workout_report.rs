//! The `Workout` property (`a{sd}`): the workout beat, for presets that follow cadence
//! (an empty map otherwise).

use std::collections::HashMap;

/// The workout beat as the daemon reports it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkoutReport {
    /// Steps per minute, 0 when not moving.
    pub cadence: f64,
    /// The beat's tempo in bpm.
    pub beat_tempo: f64,
    /// Beats per step (0.5, 1 or 2).
    pub ratio: f64,
    pub phase_locked: bool,
    /// Beat minus predicted footfall, ms; only while locked.
    pub phase_error_ms: Option<f64>,
    pub steer_percent: f64,
    /// How hard the heart-rate brake is on (0..1).
    pub brake: f64,
    /// Implausible cadence readings refused.
    pub rejected: f64,
    /// The output latency the audio host reports (footfalls are mapped through it).
    pub output_latency_ms: f64,
}

const CADENCE: &str = "cadence";
const BEAT_TEMPO: &str = "beat_tempo";
const RATIO: &str = "ratio";
const PHASE_LOCKED: &str = "phase_locked";
const PHASE_ERROR_MS: &str = "phase_error_ms";
const STEER_PERCENT: &str = "steer_percent";
const BRAKE: &str = "brake";
const REJECTED: &str = "rejected";
const OUTPUT_LATENCY_MS: &str = "output_latency_ms";

impl WorkoutReport {
    /// The property's map (empty for `None`: the preset does not follow cadence).
    pub fn to_map(report: Option<&WorkoutReport>) -> HashMap<String, f64> {
        let Some(w) = report else {
            return HashMap::new();
        };
        let mut m: HashMap<String, f64> = [
            (CADENCE, w.cadence),
            (BEAT_TEMPO, w.beat_tempo),
            (RATIO, w.ratio),
            (PHASE_LOCKED, if w.phase_locked { 1.0 } else { 0.0 }),
            (STEER_PERCENT, w.steer_percent),
            (BRAKE, w.brake),
            (REJECTED, w.rejected),
            (OUTPUT_LATENCY_MS, w.output_latency_ms),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if let Some(e) = w.phase_error_ms {
            m.insert(PHASE_ERROR_MS.into(), e);
        }
        m
    }

    /// Read the property's map; `None` when it has no beat tempo (not a workout preset).
    pub fn from_map(m: &HashMap<String, f64>) -> Option<WorkoutReport> {
        let get = |k: &str| m.get(k).copied().unwrap_or(0.0);
        Some(WorkoutReport {
            beat_tempo: *m.get(BEAT_TEMPO)?,
            cadence: get(CADENCE),
            ratio: m.get(RATIO).copied().unwrap_or(1.0),
            phase_locked: get(PHASE_LOCKED) > 0.5,
            phase_error_ms: m.get(PHASE_ERROR_MS).copied(),
            steer_percent: get(STEER_PERCENT),
            brake: get(BRAKE),
            rejected: get(REJECTED),
            output_latency_ms: get(OUTPUT_LATENCY_MS),
        })
    }

    /// Beat tempo and ratio, phase, steering: "beat 172.0 bpm · phase -4 ms" (the watch
    /// line's and the tray's).
    pub fn line(&self) -> String {
        let ratio = match self.ratio {
            r if r < 0.75 => " (half time)",
            r if r > 1.5 => " (double time)",
            _ => "",
        };
        let phase = match (self.phase_locked, self.phase_error_ms) {
            (true, Some(e)) => format!("phase {e:+.0} ms"),
            _ => "phase free".to_owned(),
        };
        let mut line = format!("beat {:.1} bpm{ratio} · {phase}", self.beat_tempo);
        if self.steer_percent.abs() >= 0.05 {
            line += &format!(" · steer {:+.1} %", self.steer_percent);
        }
        if self.brake > 0.0 {
            line += &format!(" · brake {:.0} %", self.brake * 100.0);
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_as_a_line() {
        let w = WorkoutReport {
            cadence: 172.0,
            beat_tempo: 172.0,
            ratio: 1.0,
            phase_locked: true,
            phase_error_ms: Some(-4.0),
            steer_percent: 2.0,
            brake: 0.0,
            rejected: 0.0,
            output_latency_ms: 30.0,
        };
        let m = WorkoutReport::to_map(Some(&w));
        assert_eq!(WorkoutReport::from_map(&m), Some(w.clone()));
        assert_eq!(w.line(), "beat 172.0 bpm · phase -4 ms · steer +2.0 %");
        assert_eq!(WorkoutReport::from_map(&HashMap::new()), None);
    }
}
