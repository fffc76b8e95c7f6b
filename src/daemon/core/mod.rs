//! The daemon's state and what every command does to it. Owned by one task (see
//! [`owner`](super::owner)); nothing here waits on the disk or the bus: presets arrive
//! built, and the state to save is handed out by [`Core::state`].

use super::modulation::Modulation;
use super::output_choice::OutputChoice;
use super::session_log::SessionLog;
use super::view::Playback;
use crate::audio::{AudioCommand, Output};
use crate::config::Config;
use crate::control::Controller;
use crate::control::pipeline::{Pipeline, Step};
use crate::controls::SharedControls;
use crate::engine::conductor::{Conductor, Cue, PlayClockAt};
use crate::engine::{Engine, PreparedPreset, PresetBuilder, Renderer, SAMPLE_RATE};
use crate::features::Clock;
use crate::preset::Preset;
use crate::sensor::PairedSensor;
use crate::sensor::Reading;
use crate::state::State;
use std::time::Duration;
// tokio's clock: the real one in the daemon, and one that tests can pause and advance.
use tokio::time::Instant;

mod report;

pub use super::command::CommandError;
pub use super::sleep_timer::{SleepTimer, TimerAction, TimerPhase};

/// The wall clock the features and the schedule read (local time follows time-zone and
/// daylight-saving changes; tests pass their own).
pub type WallClock = Box<dyn Fn() -> Clock + Send>;

/// Everything the daemon knows and does.
pub struct Core {
    pub config: Config,
    conductor: Conductor,
    audio: Box<dyn Output>,
    pipeline: Pipeline,
    started: Instant,
    pub preset: Preset,
    pub volume: f64,
    pub playback: Playback,
    pub timer: Option<SleepTimer>,
    /// How the last timer ended, until the owner takes it.
    timer_ended: Option<TimerAction>,
    pub last_step: Option<Step>,
    clock: WallClock,
    last_schedule_minute: Option<u32>,
    /// Remembered sensors (saved with the state).
    pub sensors: Vec<PairedSensor>,
    /// Whether the last tick sent the audio side a footfall anchor.
    anchored: bool,
    /// Sleep and relax sessions and the last one's summary.
    sessions: SessionLog,
    /// The listener's mix of each preset.
    mixes: super::mix::Mixes,
    /// The listener's depth of the focus modulation.
    modulation: Modulation,
    output: OutputChoice,
}

impl Core {
    /// Build the engine on `preset` and hand its renderer to the output `start_output`
    /// makes (the cpal supervisor in the daemon; stopped until `play`).
    pub fn new(
        config: Config,
        preset: Preset,
        state: &State,
        controller: Controller,
        clock: WallClock,
        start_output: impl FnOnce(Renderer, crate::config::AudioConfig) -> Box<dyn Output>,
    ) -> Core {
        let controls = SharedControls::new(preset.controls);
        let seed = session_seed();
        let mut engine = Engine::new(&preset, controls, seed, SAMPLE_RATE);
        let volume = state.volume.unwrap_or(config.volume);
        engine.set_volume(volume as f32);
        let renderer = engine
            .take_renderer()
            .expect("a fresh engine has its renderer");
        let output = OutputChoice::restored(
            state.output_device.as_deref(),
            config.audio.device.as_deref(),
        );
        let audio_config = crate::config::AudioConfig {
            device: output.device(),
            ..config.audio.clone()
        };
        let audio = start_output(renderer, audio_config);
        let mut pipeline = Pipeline::new(config.listener, controller, preset.mode, clock());
        pipeline.set_workout_settings(config.workout);
        pipeline.follow_preset(&preset);
        let mut core = Core {
            config,
            conductor: Conductor::new(engine),
            audio,
            pipeline,
            started: Instant::now(),
            preset,
            volume,
            playback: Playback::Paused,
            timer: None,
            timer_ended: None,
            last_step: None,
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
            sessions: SessionLog::new(state.last_session.clone()),
            mixes: super::mix::Mixes::restored(&state.mix),
            modulation: Modulation::default(),
            output,
        };
        core.modulation =
            Modulation::restored(state.modulation_depth, core.config.modulation_depth);
        core.mixes
            .apply(&core.preset, core.conductor.engine().mix());
        core.modulation.apply(core.conductor.engine().am_depth());
        if state.playing {
            core.play();
            // A timer that was running resumes with the time it has left.
            core.timer = state.timer.as_ref().and_then(SleepTimer::restored);
        }
        core
    }

    /// What to save: preset, volume, playing, sensors.
    pub fn state(&self) -> State {
        State {
            preset: Some(self.preset.name.clone()),
            volume: Some(self.volume),
            playing: self.playback == Playback::Playing,
            sensors: self.sensors.clone(),
            timer: self.timer.map(|t| crate::state::SavedTimer {
                ends_unix_s: t.ends_unix_s,
                fade_s: t.fade.as_secs_f64(),
                action: t.action,
            }),
            last_session: self.sessions.last.clone(),
            mix: self.mixes.saved(),
            modulation_depth: self.modulation.saved(),
            output_device: self.output.saved(),
        }
    }

    /// The keys a musician plays live (the MIDI input writes them).
    pub fn live_keys(&self) -> crate::synth::live_keys::SharedKeys {
        self.conductor.engine().keys().clone()
    }

    /// Play on the output device `name` ("": the default), already checked to exist.
    pub fn set_output_device(&mut self, name: &str) {
        self.output.pick(name);
        self.audio
            .send(AudioCommand::SetDevice(self.output.device()));
    }

    /// The audio output's live status, for readers outside the core.
    pub fn audio_status_reader(&self) -> crate::audio::AudioStatusReader {
        self.audio.status_reader()
    }

    pub fn play(&mut self) {
        self.sessions.begin(&self.preset, self.session_time());
        self.playback = Playback::Playing;
        self.conductor.engine().set_volume(self.volume as f32);
        self.audio.send(AudioCommand::Play);
    }

    pub fn pause(&mut self) {
        self.end_session("paused");
        self.playback = Playback::Paused;
        self.timer = None;
        self.audio.send(AudioCommand::Stop);
    }

    pub fn toggle(&mut self) {
        match self.playback {
            Playback::Playing => self.pause(),
            Playback::Paused => self.play(),
        }
    }

    /// What builds presets for this engine (on a blocking thread).
    pub fn preset_builder(&self) -> PresetBuilder {
        self.conductor.engine().builder()
    }

    /// Crossfade to a preset built off the core.
    pub fn install_preset(&mut self, preset: Preset, prepared: PreparedPreset) {
        self.conductor
            .install(&preset, prepared, Some(&mut self.pipeline));
        self.end_session("preset change");
        self.preset = preset;
        self.mixes
            .apply(&self.preset, self.conductor.engine().mix());
        if self.playback == Playback::Playing {
            self.sessions.begin(&self.preset, self.session_time());
        }
    }

    /// End the sleep or relax session, if one runs (its summary is logged and kept).
    pub fn end_session(&mut self, reason: &str) {
        self.sessions.end(self.session_time(), reason);
    }

    pub fn set_volume(&mut self, volume: f64) -> Result<(), CommandError> {
        self.volume = crate::limits::volume(volume).map_err(CommandError::InvalidArgs)?;
        self.conductor.engine().set_volume(self.volume as f32);
        Ok(())
    }

    /// Set one layer of the playing preset (0..=2; 1 is the preset's balance).
    pub fn set_layer_level(&mut self, layer: &str, level: f64) -> Result<(), CommandError> {
        self.mixes
            .set(&self.preset, self.conductor.engine().mix(), layer, level)
    }

    /// The focus modulation's depth, 0..=1 (`None`: each preset's own).
    pub fn set_modulation_depth(&mut self, depth: Option<f64>) -> Result<(), CommandError> {
        self.modulation
            .set(depth, self.conductor.engine().am_depth())
    }

    /// A sleep timer of `seconds`, fading over the last `fade` (negative: the configured
    /// `sleep_fade`), ending with `action`.
    pub fn set_timer(
        &mut self,
        seconds: f64,
        fade: f64,
        action: TimerAction,
    ) -> Result<(), CommandError> {
        let fade = if fade < 0.0 {
            self.config.sleep_fade.as_secs_f64()
        } else {
            fade
        };
        let (seconds, fade) =
            crate::limits::sleep_timer(seconds, fade).map_err(CommandError::InvalidArgs)?;
        self.timer = Some(SleepTimer::starting_now(seconds, fade, action));
        Ok(())
    }

    /// How the sleep timer ended, once, after the tick it ended in (the owner acts on it).
    pub fn take_timer_ending(&mut self) -> Option<TimerAction> {
        self.timer_ended.take()
    }

    /// Whether the machine should be kept from idling now: playing, and asked for.
    pub fn wants_idle_inhibited(&self) -> bool {
        self.config.inhibit_idle && self.playback == Playback::Playing
    }

    pub fn cancel_timer(&mut self) {
        self.timer = None;
        self.conductor.engine().set_volume(self.volume as f32);
    }

    /// Seconds since the daemon started: the time readings are stamped with.
    pub fn session_time(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Take a sensor reading (stamped with [`Core::session_time`]).
    pub fn push_reading(&mut self, r: &Reading) {
        self.pipeline.push(r);
    }

    /// Develop `motif` as the melody from the next phrase on (`None`: the presets' own).
    pub fn set_motif(
        &mut self,
        motif: Option<Vec<crate::compose::given::GivenNote>>,
    ) -> Result<(), CommandError> {
        if let Some(m) = &motif {
            crate::compose::given::check("SetMotif", m)
                .map_err(|e| CommandError::InvalidArgs(e.to_string()))?;
        }
        self.conductor.engine_mut().set_motif(motif);
        Ok(())
    }

    /// Steer toward `spm` steps per minute (0: no target). Not saved: the config holds the
    /// standing targets.
    pub fn set_target_cadence(&mut self, spm: f64) -> Result<(), CommandError> {
        let target = crate::limits::target_cadence(spm).map_err(CommandError::InvalidArgs)?;
        self.change_workout(|w| w.target_cadence = target);
        Ok(())
    }

    /// Ease off above `bpm` heart rate (0: no ceiling).
    pub fn set_hr_ceiling(&mut self, bpm: f64) -> Result<(), CommandError> {
        let ceiling = crate::limits::hr_ceiling(bpm).map_err(CommandError::InvalidArgs)?;
        self.change_workout(|w| w.hr_ceiling = ceiling);
        Ok(())
    }

    /// Steer into the heart-rate zone `low..high` bpm (both 0: no zone).
    pub fn set_hr_zone(&mut self, low: f64, high: f64) -> Result<(), CommandError> {
        let zone = crate::limits::hr_zone(low, high).map_err(CommandError::InvalidArgs)?;
        self.change_workout(|w| w.hr_zone = zone);
        Ok(())
    }

    fn change_workout(&mut self, change: impl FnOnce(&mut crate::workout::WorkoutSettings)) {
        let mut w = *self.pipeline.workout_settings();
        change(&mut w);
        self.pipeline.set_workout_settings(w);
    }

    /// Remember a paired sensor (replacing one with the same address).
    pub fn remember_sensor(&mut self, sensor: PairedSensor) {
        self.sensors.retain(|s| s.address != sensor.address);
        self.sensors.push(sensor);
    }

    pub fn forget_sensor(&mut self, address: &str) {
        self.sensors.retain(|s| s.address != address);
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

    /// One control-loop tick: features → model → controls, and the sleep timer. Returns
    /// the preset the schedule switches to now, if any.
    pub fn tick(&mut self) -> Option<String> {
        let t = self.session_time();
        let now = (self.clock)();
        let step = self.pipeline.step_at(t, now);
        let sky = crate::features::sun::Sky {
            latitude: self.config.listener.latitude,
            longitude: self.config.listener.longitude,
            day_of_year: now.day_of_year,
            utc_offset_h: now.utc_offset_h,
        };
        let clock = PlayClockAt {
            started: self.started.into_std(),
        };
        self.anchored = self
            .conductor
            .apply(&Cue::of_step(&step, sky, now.local_hours), &clock);
        // Bars are planned here, off the audio thread, a horizon ahead of the music.
        self.conductor.plan_ahead();
        self.sessions.observe(&step);
        self.last_step = Some(step);
        self.conductor.skip_notes();
        if let Some(timer) = self.timer {
            match timer.phase(Instant::now()) {
                TimerPhase::Running => {}
                TimerPhase::Fading(gain) => self
                    .conductor
                    .engine()
                    .set_volume(self.volume as f32 * gain),
                TimerPhase::Ended => {
                    self.timer = None;
                    self.end_session("timer");
                    self.pause();
                    self.timer_ended = Some(timer.action);
                    self.conductor.engine().set_volume(self.volume as f32);
                }
            }
        }
        self.schedule_due(&now)
    }

    /// Paused, how long until the schedule's next minute begins (`None` without a
    /// schedule: nothing is due while paused). Read off the wall clock each time, so a
    /// time-zone or daylight-saving change is followed within a minute.
    pub fn schedule_wait(&self) -> Option<Duration> {
        if self.config.schedule.is_empty() {
            return None;
        }
        let seconds = (self.clock)().local_hours * 3600.0;
        let to_next_minute = 60.0 - seconds.rem_euclid(60.0);
        // Just past the boundary, so the minute read then is the new one.
        Some(Duration::from_secs_f64(to_next_minute + 0.05))
    }

    /// The schedule's preset when its time has come (and it is not playing already).
    fn schedule_due(&mut self, clock: &Clock) -> Option<String> {
        if self.config.schedule.is_empty() {
            return None;
        }
        let minute = (clock.local_hours * 60.0) as u32 % 1440;
        let due =
            crate::config::schedule_due(&self.config.schedule, self.last_schedule_minute, minute)
                .cloned();
        self.last_schedule_minute = Some(minute);
        let entry = due.filter(|e| e.preset != self.preset.name)?;
        tracing::info!(
            "schedule: {} at {:02}:{:02}",
            entry.preset,
            entry.minute / 60,
            entry.minute % 60
        );
        Some(entry.preset)
    }

    /// Scale the output by `gain` (0..1) of the set volume, for fades.
    pub fn fade_volume(&mut self, gain: f32) {
        self.conductor
            .engine()
            .set_volume(self.volume as f32 * gain);
    }

    pub fn stop_audio(&mut self) {
        self.audio.send(AudioCommand::Stop);
    }
}

/// The music's seed: new each session (the time), or `ATTUNED_SEED` where a measurement
/// needs the same music run after run (`scripts/daemon-figures.py` sets it).
fn session_seed() -> u64 {
    std::env::var("ATTUNED_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_secs())
        })
}
