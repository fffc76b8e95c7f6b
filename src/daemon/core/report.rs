//! What the core reports: the view clients read, the tempo, the workout beat, and which
//! inputs drive the sound (the explanation).

use super::Core;
use crate::control::explain;
use crate::controls::Control;
use crate::daemon::view::View;
use crate::dbus::{BreathLeadReport, HeartLeadReport, NowPlaying, WorkoutReport};

impl Core {
    /// Tempo in bpm the preset plays at now.
    pub fn tempo_bpm(&self) -> f32 {
        if let Some((plan, _)) = self.last_step.as_ref().and_then(|s| s.workout.as_ref()) {
            return plan.bpm as f32;
        }
        let controls = self.conductor.engine().controls().load();
        self.preset
            .params
            .spec(crate::preset::params::Param::TempoBpm)
            .eval(&controls)
    }

    /// Which inputs moved which controls most, as text lines.
    pub fn explain(&self) -> Vec<(String, String, f64)> {
        let Some(step) = &self.last_step else {
            return Vec::new();
        };
        // What the controller was given (under the heart lead, the arousal it expresses).
        let x = step.controller_inputs();
        let mut controller = self.pipeline.controller().clone();
        explain::explain(&x, |f| controller.step(f), 0.01)
            .into_iter()
            .take(12)
            .map(|i| {
                (
                    i.input.to_owned(),
                    i.control.name().to_owned(),
                    i.delta as f64,
                )
            })
            .collect()
    }

    /// What drives the sound now, in sentences (largest effect first).
    pub fn explain_text(&self) -> Vec<String> {
        let Some(step) = &self.last_step else {
            return Vec::new();
        };
        let mut controller = self.pipeline.controller().clone();
        crate::control::explain_text::explain_led(
            &step.controller_inputs(),
            |f| controller.step(f),
            &self.config.listener,
            &step.heart,
        )
    }

    /// The workout beat, when the preset follows cadence.
    fn workout(&self) -> Option<WorkoutReport> {
        let (_, status) = self.last_step.as_ref()?.workout.as_ref()?;
        // Locked means a footfall anchor reached the audio side (not before audio plays).
        let locked = status.phase_locked && self.anchored;
        let error = locked
            .then(|| self.conductor.engine().beat().phase_error_ms())
            .flatten();
        Some(WorkoutReport {
            cadence: status.cadence.unwrap_or(0.0) as f64,
            beat_tempo: status.bpm,
            ratio: status.ratio as f64,
            phase_locked: locked,
            phase_error_ms: error.map(f64::from),
            steer_percent: status.steer as f64 * 100.0,
            brake: status.brake as f64,
            rejected: status.rejected as f64,
            output_latency_ms: self.conductor.engine().output_latency().as_secs_f64() * 1000.0,
        })
    }

    /// The state as clients see it.
    pub fn view(&self) -> View {
        let step = self.last_step.as_ref();
        let controls = self.conductor.engine().controls().load();
        View {
            playback: self.playback,
            preset: self.preset.name.clone(),
            title: self.preset.title.clone(),
            mode: format!("{:?}", self.preset.mode).to_lowercase(),
            volume: self.volume,
            heart_rate: step.and_then(|s| s.hr).unwrap_or(0.0) as f64,
            cadence: step.and_then(|s| s.cadence).unwrap_or(0.0) as f64,
            tempo: self.tempo_bpm() as f64,
            beats_per_bar: self.preset.beats_per_bar,
            breathing_rate: step
                .and_then(|s| s.breathing)
                .map_or(0.0, |b| b.per_minute as f64),
            breathing_confidence: step
                .and_then(|s| s.breathing)
                .map_or(0.0, |b| b.confidence as f64),
            last_session: self.sessions.last.clone(),
            breath_lead: step
                .filter(|_| self.preset.breath_lead)
                .map(|s| BreathLeadReport::from(s.lead)),
            heart_lead: step.and_then(|s| HeartLeadReport::of(&s.heart, &self.config.listener)),
            controls: Control::ALL
                .iter()
                .map(|c| (c.name(), controls.get(*c) as f64))
                .collect(),
            timer_ends: self.timer.map(|t| t.ends),
            workout: self.workout(),
            layers: self.mixes.levels(&self.preset),
            modulation_depth: self.modulation.effective(&self.preset),
            output_device: self.output.device().unwrap_or_default(),
            steering: self
                .last_step
                .as_ref()
                .and_then(|s| s.workout.as_ref())
                .map(|(_, w)| format!("{} · tempo from {}", w.steering, w.source.name()))
                .unwrap_or_default(),
            now: self.conductor.engine().now().map(|n| NowPlaying {
                section: n.section.to_string(),
                section_number: n.section_number,
                key: n.key.name(),
                chord: n.chord_symbol(),
                voices: n.voice_names().into_iter().map(String::from).collect(),
                bar: n.index,
            }),
        }
    }
}
