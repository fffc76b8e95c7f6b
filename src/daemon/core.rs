//! The daemon's shared state and every command on it. The D-Bus layers are thin wrappers
//! over these methods; every change that should survive a restart is saved at once.

use crate::audio::{AudioCommand, AudioOutput, AudioStatus};
use crate::config::Config;
use crate::control::pipeline::{Pipeline, Step};
use crate::control::{Controller, explain};
use crate::controls::{Control, SharedControls};
use crate::features::Clock;
use crate::sensor::Reading;
use crate::state::{PairedSensor, State};
use crate::synth::beat::BeatCommand;
use crate::synth::engine::{CROSSFADE_SECONDS, Engine, SAMPLE_RATE};
use crate::synth::preset::{Preset, PresetError, PresetLibrary};
use crate::workout::WorkoutStatus;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Playback as MPRIS names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Playback {
    Playing,
    Paused,
}

impl Playback {
    pub fn name(self) -> &'static str {
        match self {
            Playback::Playing => "Playing",
            Playback::Paused => "Paused",
        }
    }
}

/// What to do when the sleep timer runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerAction {
    Pause,
    Stop,
}

/// A running sleep timer: fade over the last `fade` before `ends`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SleepTimer {
    pub ends: Instant,
    pub fade: Duration,
    pub action: TimerAction,
}

/// A command that was refused, with a message for the caller.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("{0}")]
    InvalidArgs(String),
    #[error(transparent)]
    Preset(#[from] PresetError),
}

/// Everything the daemon knows and does, behind one lock (never held across an await).
pub struct Core {
    pub config: Config,
    library: PresetLibrary,
    engine: Engine,
    audio: AudioOutput,
    pipeline: Pipeline,
    started: Instant,
    pub preset: Preset,
    pub volume: f64,
    pub playback: Playback,
    pub timer: Option<SleepTimer>,
    pub last_step: Option<Step>,
    state_path: Option<PathBuf>,
    clock: Box<dyn Fn() -> Clock + Send>,
    last_schedule_minute: Option<u32>,
    /// Remembered sensors (saved with the state).
    pub sensors: Vec<PairedSensor>,
    /// Whether the last tick sent the audio side a footfall anchor.
    anchored: bool,
}

impl Core {
    /// Build the engine and start the audio supervisor (paused until `play`).
    pub fn new(
        config: Config,
        library: PresetLibrary,
        state: &State,
        state_path: Option<PathBuf>,
        controller: Controller,
        clock: Box<dyn Fn() -> Clock + Send>,
        on_audio_status: impl Fn(&AudioStatus) + Send + 'static,
    ) -> Result<Core, CommandError> {
        let name = state
            .preset
            .clone()
            .unwrap_or_else(|| config.preset.clone());
        let preset = library
            .load(&name)
            .or_else(|e| {
                tracing::warn!("{e}; starting with `{}` instead", config.preset);
                library.load(&config.preset)
            })
            .or_else(|_| library.load("focus"))?;
        let controls = SharedControls::new(preset.controls);
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_secs());
        let mut engine = Engine::new(&preset, controls, seed, SAMPLE_RATE);
        let volume = state.volume.unwrap_or(config.volume);
        engine.set_volume(volume as f32);
        let renderer = engine
            .take_renderer()
            .expect("a fresh engine has its renderer");
        let audio = AudioOutput::start(renderer, config.audio.clone(), on_audio_status);
        let mut pipeline = Pipeline::new(config.listener, controller, preset.mode, clock());
        pipeline.set_workout_settings(config.workout);
        pipeline.set_follow(crate::render::follow_spec(&preset));
        let mut core = Core {
            config,
            library,
            engine,
            audio,
            pipeline,
            started: Instant::now(),
            preset,
            volume,
            playback: Playback::Paused,
            timer: None,
            last_step: None,
            state_path,
            clock,
            last_schedule_minute: None,
            // Stored as the BLE side names them, so Forget finds hand-edited entries too.
            sensors: state
                .sensors
                .iter()
                .map(|p| PairedSensor {
                    address: crate::sensor::ble::normalise_address(&p.address)
                        .unwrap_or_else(|_| p.address.clone()),
                    name: p.name.clone(),
                })
                .collect(),
            anchored: false,
        };
        if state.playing {
            core.play();
        }
        Ok(core)
    }

    pub fn audio_status(&self) -> AudioStatus {
        self.audio.status()
    }

    pub fn presets(&self) -> Vec<String> {
        self.library.names()
    }

    pub fn play(&mut self) {
        self.playback = Playback::Playing;
        self.engine.set_volume(self.volume as f32);
        self.audio.send(AudioCommand::Play);
        self.save();
    }

    pub fn pause(&mut self) {
        self.playback = Playback::Paused;
        self.timer = None;
        self.audio.send(AudioCommand::Stop);
        self.save();
    }

    pub fn toggle(&mut self) {
        match self.playback {
            Playback::Playing => self.pause(),
            Playback::Paused => self.play(),
        }
    }

    /// Switch preset with the crossfade. Unknown or path-like names are refused.
    pub fn set_preset(&mut self, name: &str) -> Result<(), CommandError> {
        if !crate::synth::preset::valid_name(name) {
            return Err(CommandError::InvalidArgs(format!(
                "invalid preset name `{name}`: use letters, digits, `-` and `_`"
            )));
        }
        let preset = self.library.load(name)?;
        self.engine.switch_preset(&preset, CROSSFADE_SECONDS);
        self.pipeline.set_mode(preset.mode);
        self.pipeline
            .set_follow(crate::render::follow_spec(&preset));
        self.preset = preset;
        self.save();
        Ok(())
    }

    /// The preset `offset` places along the sorted list (MPRIS Next/Previous).
    pub fn step_preset(&mut self, offset: isize) -> Result<(), CommandError> {
        let names = self.presets();
        let here = names
            .iter()
            .position(|n| *n == self.preset.name)
            .unwrap_or(0) as isize;
        let next = (here + offset).rem_euclid(names.len().max(1) as isize) as usize;
        let name = names[next].clone();
        self.set_preset(&name)
    }

    pub fn set_volume(&mut self, volume: f64) -> Result<(), CommandError> {
        if !volume.is_finite() || !(0.0..=1.0).contains(&volume) {
            return Err(CommandError::InvalidArgs(format!(
                "volume {volume} is outside 0..1"
            )));
        }
        self.volume = volume;
        self.engine.set_volume(self.volume as f32);
        self.save();
        Ok(())
    }

    pub fn set_timer(&mut self, seconds: f64, fade: f64, action: &str) -> Result<(), CommandError> {
        let action = match action {
            "pause" | "" => TimerAction::Pause,
            "stop" => TimerAction::Stop,
            other => {
                return Err(CommandError::InvalidArgs(format!(
                    "timer action `{other}`: use \"pause\" or \"stop\""
                )));
            }
        };
        let ok = |v: f64| v.is_finite() && (0.0..=7.0 * 86_400.0).contains(&v);
        if !ok(seconds) || !ok(fade) || seconds < 1.0 {
            return Err(CommandError::InvalidArgs(format!(
                "timer of {seconds} s with a {fade} s fade: use 1 s to 7 days"
            )));
        }
        self.timer = Some(SleepTimer {
            ends: Instant::now() + Duration::from_secs_f64(seconds),
            fade: Duration::from_secs_f64(fade.min(seconds)),
            action,
        });
        Ok(())
    }

    pub fn cancel_timer(&mut self) {
        self.timer = None;
        self.engine.set_volume(self.volume as f32);
    }

    pub fn timer_remaining(&self) -> f64 {
        self.timer.map_or(0.0, |t| {
            t.ends
                .saturating_duration_since(Instant::now())
                .as_secs_f64()
        })
    }

    pub fn reload_presets(&mut self) -> Result<(), CommandError> {
        let name = self.preset.name.clone();
        self.set_preset(&name)
    }

    /// The control value of `c` now.
    pub fn control(&self, c: Control) -> f32 {
        self.engine.controls().load().get(c)
    }

    /// Tempo in bpm the preset plays at now.
    pub fn tempo_bpm(&self) -> f32 {
        if let Some((plan, _)) = self.last_step.as_ref().and_then(|s| s.workout.as_ref()) {
            return plan.bpm as f32;
        }
        let controls = self.engine.controls().load();
        self.preset
            .params
            .spec(crate::synth::params::Param::TempoBpm)
            .eval(&controls)
    }

    /// Which inputs moved which controls most, as text lines.
    pub fn explain(&mut self) -> Vec<(String, String, f64)> {
        let Some(step) = &self.last_step else {
            return Vec::new();
        };
        let x = step.features;
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

    /// Seconds since the daemon started: the time readings are stamped with.
    pub fn session_time(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Take a sensor reading (stamped with [`Core::session_time`]).
    pub fn push_reading(&mut self, r: &Reading) {
        self.pipeline.push(r);
    }

    /// The workout follower's state with the phase error the audio side measured (ms),
    /// when the preset follows cadence.
    /// What the music is doing now: section, key, chord and voices of the bar playing.
    pub fn now(&self) -> Option<crate::compose::planner::BarInfo> {
        self.engine.now()
    }

    pub fn workout(&self) -> Option<(WorkoutStatus, Option<f32>)> {
        let (_, status) = self.last_step.as_ref()?.workout.as_ref()?;
        let mut status = status.clone();
        // Locked means a footfall anchor reached the audio side (not before audio plays).
        status.phase_locked &= self.anchored;
        let error = status
            .phase_locked
            .then(|| self.engine.beat().phase_error_ms())
            .flatten();
        Some((status, error))
    }

    /// The output latency the audio host reports (what footfall times are mapped through).
    pub fn output_latency(&self) -> Duration {
        self.engine.output_latency()
    }

    /// Steer toward `spm` steps per minute (0: no target). Not saved: the config holds the
    /// standing targets.
    pub fn set_target_cadence(&mut self, spm: f64) -> Result<(), CommandError> {
        let target = optional_in(spm, 60.0..=220.0, "target cadence", "steps per minute")?;
        self.change_workout(|w| w.target_cadence = target);
        Ok(())
    }

    /// Ease off above `bpm` heart rate (0: no ceiling).
    pub fn set_hr_ceiling(&mut self, bpm: f64) -> Result<(), CommandError> {
        let ceiling = optional_in(bpm, 80.0..=230.0, "heart-rate ceiling", "bpm")?;
        self.change_workout(|w| w.hr_ceiling = ceiling);
        Ok(())
    }

    /// Steer into the heart-rate zone `low..high` bpm (both 0: no zone).
    pub fn set_hr_zone(&mut self, low: f64, high: f64) -> Result<(), CommandError> {
        let zone = if low == 0.0 && high == 0.0 {
            None
        } else if low.is_finite()
            && high.is_finite()
            && (60.0..=230.0).contains(&low)
            && (60.0..=230.0).contains(&high)
            && high >= low + 5.0
        {
            Some((low as f32, high as f32))
        } else {
            return Err(CommandError::InvalidArgs(format!(
                "heart-rate zone {low}..{high}: use two bpm within 60..230, at least 5 apart, or 0 0 for none"
            )));
        };
        self.change_workout(|w| w.hr_zone = zone);
        Ok(())
    }

    fn change_workout(&mut self, change: impl FnOnce(&mut crate::workout::WorkoutSettings)) {
        let mut w = *self.pipeline.workout_settings();
        change(&mut w);
        self.pipeline.set_workout_settings(w);
    }

    /// Remember a paired sensor (replacing one with the same address) and save.
    pub fn remember_sensor(&mut self, sensor: PairedSensor) {
        self.sensors.retain(|s| s.address != sensor.address);
        self.sensors.push(sensor);
        self.save();
    }

    /// Forget a sensor and save.
    pub fn forget_sensor(&mut self, address: &str) {
        self.sensors.retain(|s| s.address != address);
        self.save();
    }

    /// How long until the next control tick: the full rate while sensors are paired (every
    /// heart notification and footfall counts) or the beat follows cadence, a slow one
    /// otherwise. Clock-only controls move over minutes and are smoothed for 4 s, and the
    /// sleep timer's fade is smoothed in the graph, so 2 Hz loses nothing and saves the
    /// daemon's idle CPU.
    pub fn control_period(&self) -> Duration {
        let follows = self.last_step.as_ref().is_some_and(|s| s.workout.is_some());
        if follows || !self.sensors.is_empty() {
            super::CONTROL_PERIOD
        } else {
            super::IDLE_CONTROL_PERIOD
        }
    }

    /// One control-loop tick: features → model → controls, the sleep timer and the schedule.
    pub fn tick(&mut self) {
        let t = self.session_time();
        let step = self.pipeline.step(t);
        self.engine.controls().set_all(&Pipeline::values(&step));
        let delay = self.engine.output_delay();
        let beat = step.workout.as_ref().map(|(plan, _)| BeatCommand {
            bpm: plan.bpm,
            // A footfall predicted on the session clock, as the engine sample heard then,
            // played early by the master's look-ahead.
            anchor: plan.anchor.and_then(|at| {
                self.engine
                    .sample_heard_at(self.started + Duration::from_secs_f64(at.max(0.0)))
                    .map(|s| s.saturating_sub(delay))
            }),
        });
        self.anchored = beat.is_some_and(|b| b.anchor.is_some());
        self.engine.beat().set(beat);
        // Bars are planned here, off the audio thread, a horizon ahead of the music.
        self.engine.plan_ahead();
        self.last_step = Some(step);
        let mut events = Vec::new();
        self.engine.drain_events(&mut events);
        if let Some(timer) = self.timer {
            let left = timer.ends.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.timer = None;
                match timer.action {
                    TimerAction::Pause | TimerAction::Stop => self.pause(),
                }
                self.engine.set_volume(self.volume as f32);
            } else if left < timer.fade {
                let g = left.as_secs_f32() / timer.fade.as_secs_f32().max(1e-3);
                self.engine.set_volume(self.volume as f32 * g * g);
            }
        }
        self.follow_schedule();
    }

    fn follow_schedule(&mut self) {
        if self.config.schedule.is_empty() {
            return;
        }
        let clock = (self.clock)();
        let minute = (clock.local_hours * 60.0) as u32 % 1440;
        let due =
            crate::config::schedule_due(&self.config.schedule, self.last_schedule_minute, minute)
                .cloned();
        self.last_schedule_minute = Some(minute);
        if let Some(entry) = due
            && entry.preset != self.preset.name
        {
            tracing::info!(
                "schedule: {} at {:02}:{:02}",
                entry.preset,
                entry.minute / 60,
                entry.minute % 60
            );
            if let Err(e) = self.set_preset(&entry.preset) {
                tracing::warn!("schedule: {e}");
            }
        }
    }

    /// Scale the output by `gain` (0..1) of the set volume, for fades.
    pub fn fade_volume(&mut self, gain: f32) {
        self.engine.set_volume(self.volume as f32 * gain);
    }

    pub fn stop_audio(&mut self) {
        self.audio.send(AudioCommand::Stop);
    }

    fn save(&self) {
        let Some(path) = &self.state_path else {
            return;
        };
        let state = State {
            preset: Some(self.preset.name.clone()),
            volume: Some(self.volume),
            playing: self.playback == Playback::Playing,
            sensors: self.sensors.clone(),
        };
        if let Err(e) = state.save(path) {
            tracing::warn!("{}: cannot save state: {e}", path.display());
        }
    }
}

/// `value` within `range`, or 0 for none; anything else is refused with `what` and `unit`.
fn optional_in(
    value: f64,
    range: std::ops::RangeInclusive<f64>,
    what: &str,
    unit: &str,
) -> Result<Option<f32>, CommandError> {
    if value == 0.0 {
        return Ok(None);
    }
    if value.is_finite() && range.contains(&value) {
        return Ok(Some(value as f32));
    }
    Err(CommandError::InvalidArgs(format!(
        "{what} {value}: use {}..{} {unit}, or 0 for none",
        range.start(),
        range.end()
    )))
}
