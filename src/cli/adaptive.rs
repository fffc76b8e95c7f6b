//! `attuned render`'s adaptive options: features → control model → controls, as live.

use super::parse::{parse_day_of_year, parse_hr_ceiling, parse_mode, parse_target_cadence};
use crate::control::{ControlModel, Controller};
use crate::features::ListenerProfile;
use crate::preset::Mode;
use crate::render::Adaptive;
use std::path::PathBuf;

/// Options of an adaptive render: features → control model → controls.
#[derive(clap::Args)]
pub struct AdaptiveArgs {
    /// Run the control model in this mode (default: the preset's) on clock-only features,
    /// or on a replayed session with --replay.
    #[arg(long, value_parser = parse_mode)]
    pub mode: Option<Mode>,
    /// Session CSV to replay (`time,hr,rr,contact,cadence`); implies the control model.
    #[arg(long)]
    pub replay: Option<PathBuf>,
    /// Draw heart rate, cadence and the main controls over time to this PNG.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Use this ONNX control model instead of the built-in one (implies the control
    /// model, on clock-only features unless a session is replayed).
    #[arg(long, conflicts_with = "teacher")]
    pub model: Option<PathBuf>,
    /// Use the rule-based teacher instead of the model (implies the control model).
    #[arg(long)]
    pub teacher: bool,
    /// Date of the render, YYYY-MM-DD (for the sun, which the control model and the birds
    /// follow; default 2026-06-21).
    #[arg(long, default_value = "2026-06-21", value_parser = parse_day_of_year)]
    pub date: u32,
    /// Local time minus UTC, hours.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub utc_offset: f64,
    #[arg(long, default_value_t = ListenerProfile::default().latitude, allow_negative_numbers = true)]
    pub lat: f64,
    #[arg(long, default_value_t = ListenerProfile::default().longitude, allow_negative_numbers = true)]
    pub lon: f64,
    #[arg(long, default_value_t = ListenerProfile::default().resting_hr)]
    pub resting_hr: f32,
    #[arg(long, default_value_t = ListenerProfile::default().max_hr)]
    pub max_hr: f32,
    /// Workout: steer the tempo toward this cadence (60–220 steps per minute); without a
    /// cadence sensor in the session it sets the tempo.
    #[arg(long, value_parser = parse_target_cadence)]
    pub target_cadence: Option<f32>,
    /// Workout: above this heart rate (80–230 bpm) the music eases off.
    #[arg(long, value_parser = parse_hr_ceiling)]
    pub hr_ceiling: Option<f32>,
}

impl AdaptiveArgs {
    /// Whether any option asks for the control model.
    pub fn wanted(&self) -> bool {
        self.mode.is_some()
            || self.replay.is_some()
            || self.plot.is_some()
            || self.target_cadence.is_some()
            || self.hr_ceiling.is_some()
            // A model or the teacher given steers the render with the clock alone (given
            // and then ignored, a corrupt model had gone unnoticed).
            || self.model.is_some()
            || self.teacher
    }

    /// The render's adaptive part: the replayed readings, the controller and the listener.
    pub fn build(&self, preset_mode: Mode) -> Result<Adaptive, String> {
        let readings = match &self.replay {
            Some(p) => {
                let text = crate::input_file::read_to_string(p, crate::input_file::RECORDING_LIMIT)
                    .map_err(|e| format!("{}: {e}", p.display()))?;
                crate::sensor::replay::parse(&p.display().to_string(), &text)
                    .map_err(|e| e.to_string())?
            }
            None => Vec::new(),
        };
        let controller = if self.teacher {
            Controller::teacher("--teacher given")
        } else if let Some(path) = &self.model {
            // An explicit model that cannot be used is an error here, not a silent fallback.
            Controller::with_model(ControlModel::load(path).map_err(|e| e.to_string())?)
        } else {
            Controller::builtin()
        };
        Ok(Adaptive {
            mode: self.mode.unwrap_or(preset_mode),
            readings,
            profile: ListenerProfile {
                resting_hr: self.resting_hr,
                max_hr: self.max_hr,
                latitude: self.lat,
                longitude: self.lon,
            },
            day_of_year: self.date,
            utc_offset_h: self.utc_offset,
            controller,
            // The live daemon's defaults (pod latency), so a replay times footfalls as live.
            workout: crate::workout::WorkoutSettings {
                target_cadence: self.target_cadence,
                hr_ceiling: self.hr_ceiling,
                ..crate::config::Config::default().workout
            },
        })
    }
}
