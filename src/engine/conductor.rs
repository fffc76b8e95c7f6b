//! The conductor: the one place a control step reaches the engine, live and offline.
//!
//! Each step, in this order: the controls (from the control model's step, a control track,
//! or left as they are), the sun the nature layers follow, the swell the breath lead sets,
//! and the workout beat with its footfall anchor, turned from session seconds into the
//! engine sample it must be heard on by a [`SampleClock`] (the play clock live, the sample
//! count offline) and played early by the master's look-ahead. Then the planners write the
//! bars ahead of the music, and the notes played since the last step are collected. The
//! daemon's tick and `render` both drive the engine through it, so they cannot drift apart.

use super::{CROSSFADE_SECONDS, Engine, PreparedPreset, SAMPLE_RATE};
use crate::control::pipeline::{Pipeline, Step};
use crate::controls::ControlValues;
use crate::features::sun::Sky;
use crate::music::note::NoteEvent;
use crate::preset::Preset;
use crate::synth::beat::BeatCommand;
use std::time::{Duration, Instant};

/// Where in the engine's samples a moment of the session is heard.
pub trait SampleClock {
    /// The engine sample heard `session_s` seconds into the session, if that is known yet.
    fn sample_heard_at(&self, engine: &Engine, session_s: f64) -> Option<u64>;
}

/// Offline: the session starts at engine sample 0 and every sample is "heard" as rendered.
pub struct RenderClock;

impl SampleClock for RenderClock {
    fn sample_heard_at(&self, _: &Engine, session_s: f64) -> Option<u64> {
        Some((session_s * SAMPLE_RATE as f64).round().max(0.0) as u64)
    }
}

/// Live: the session started at `started`; the audio callback's play clock says which
/// sample is heard when (nothing before audio has played).
pub struct PlayClockAt {
    pub started: Instant,
}

impl SampleClock for PlayClockAt {
    fn sample_heard_at(&self, engine: &Engine, session_s: f64) -> Option<u64> {
        engine.sample_heard_at(self.started + Duration::from_secs_f64(session_s.max(0.0)))
    }
}

/// What one control step sets.
pub struct Cue<'a> {
    /// The controls now (`None`: they stay as they are).
    pub controls: Option<ControlValues>,
    /// The control model's step: its swell and workout beat (`None`: neither moves).
    pub step: Option<&'a Step>,
    /// Where the sun is, and at which local hour.
    pub sky: Sky,
    pub local_hours: f64,
}

impl<'a> Cue<'a> {
    /// The cue of a control model's step: its controls, swell and beat.
    pub fn of_step(step: &'a Step, sky: Sky, local_hours: f64) -> Self {
        Cue {
            controls: Some(Pipeline::values(step)),
            step: Some(step),
            sky,
            local_hours,
        }
    }
}

/// Drives one [`Engine`]: control steps in, planned bars and played notes out, presets
/// switched.
pub struct Conductor {
    engine: Engine,
}

impl Conductor {
    pub fn new(engine: Engine) -> Self {
        Conductor { engine }
    }

    /// The engine, for what the conductor does not decide (volume, mix, links, status).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// Apply one control step. Returns whether the beat was given a footfall anchor.
    pub fn apply(&mut self, cue: &Cue, clock: &impl SampleClock) -> bool {
        let engine = &self.engine;
        if let Some(controls) = &cue.controls {
            engine.controls().set_all(controls);
        }
        let (elevation, rising) = cue.sky.sun(cue.local_hours);
        engine.sun().set_with_direction(elevation as f32, rising);
        let Some(step) = cue.step else {
            return false;
        };
        let (swell_rate, swell_depth) = step.lead.swell();
        engine.swell().set(swell_rate, swell_depth);
        engine.set_body_drive(crate::control::pipeline::body_drive(&step.body));
        let delay = engine.output_delay();
        let beat = step.workout.as_ref().map(|(plan, _)| BeatCommand {
            bpm: plan.bpm,
            // A footfall predicted on the session clock, as the engine sample heard then,
            // played early by the master's look-ahead so it is heard on the footfall.
            anchor: plan
                .anchor
                .and_then(|at| clock.sample_heard_at(engine, at))
                .map(|s| s.saturating_sub(delay)),
        });
        engine.beat().set(beat);
        beat.is_some_and(|b| b.anchor.is_some())
    }

    /// Plan bars a horizon ahead for every playing preset (after [`Conductor::apply`], so
    /// they are written with this step's controls and swell).
    pub fn plan_ahead(&mut self) {
        self.engine.plan_ahead();
    }

    /// Move the notes played since the last call into `out`, stamped in engine samples.
    pub fn collect_notes(&mut self, out: &mut Vec<NoteEvent>) {
        self.engine.drain_events(out);
    }

    /// Let the notes played since the last call go (live, nobody records them; their queue
    /// must still be emptied).
    pub fn skip_notes(&mut self) {
        self.engine.skip_events();
    }

    /// Crossfade to `preset`, built here (offline) or off the owner ([`Conductor::install`]).
    pub fn switch_to(&mut self, preset: &Preset, pipeline: Option<&mut Pipeline>) {
        let prepared = self.engine.builder().build(preset);
        self.install(preset, prepared, pipeline);
    }

    /// Crossfade to `preset`, built and pre-rolled already, and have the control pipeline
    /// (if any) follow it: its mode, cadence range and breath lead.
    pub fn install(
        &mut self,
        preset: &Preset,
        prepared: PreparedPreset,
        pipeline: Option<&mut Pipeline>,
    ) {
        self.engine.install(prepared, CROSSFADE_SECONDS);
        if let Some(pipeline) = pipeline {
            pipeline.set_mode(preset.mode);
            pipeline.follow_preset(preset);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::{Control, SharedControls};

    fn conductor() -> Conductor {
        let preset = Preset::builtin("workout").unwrap();
        let controls = SharedControls::new(preset.controls);
        Conductor::new(Engine::new(&preset, controls, 1, SAMPLE_RATE))
    }

    fn noon_sky() -> Sky {
        Sky {
            latitude: 52.0,
            longitude: 0.0,
            day_of_year: 172,
            utc_offset_h: 0.0,
        }
    }

    #[test]
    fn offline_a_session_second_is_heard_at_its_own_sample() {
        let c = conductor();
        assert_eq!(RenderClock.sample_heard_at(c.engine(), 1.5), Some(72_000));
        assert_eq!(RenderClock.sample_heard_at(c.engine(), -0.2), Some(0));
        // Live, nothing is known before audio has played.
        let live = PlayClockAt {
            started: Instant::now(),
        };
        assert_eq!(live.sample_heard_at(c.engine(), 1.5), None);
    }

    #[test]
    fn a_cue_without_a_step_sets_the_controls_and_the_sun_and_anchors_nothing() {
        let mut c = conductor();
        let mut controls = c.engine().controls().load();
        controls.set(Control::Energy, 0.9);
        let cue = Cue {
            controls: Some(controls),
            step: None,
            sky: noon_sky(),
            local_hours: 14.0,
        };
        assert!(!c.apply(&cue, &RenderClock));
        assert_eq!(c.engine().controls().load().get(Control::Energy), 0.9);
        let (elevation, rising) = c.engine().sun().get();
        assert!(elevation > 40.0 && !rising, "{elevation} {rising}");
        // In the afternoon it sinks; at night it is below the horizon, climbing toward dawn.
        let night = Cue {
            local_hours: 3.0,
            ..cue
        };
        c.apply(&night, &RenderClock);
        let (elevation, rising) = c.engine().sun().get();
        assert!(elevation < 0.0 && rising, "{elevation} {rising}");
    }
}
