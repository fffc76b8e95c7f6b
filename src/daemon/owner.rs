//! The core's owner task: the only code that touches [`Core`]. It takes [`Command`]s one at
//! a time, ticks the control loop, publishes the [`View`] after each, and hands the state to
//! the saver. Preset loading, building and pre-roll run on blocking threads and come back as
//! commands, so a preset switch never holds up a property read, a volume change or a tick.

use super::command::{Command, CommandError, Done, PresetChoice, Reply};
use super::core::{Core, TimerAction};
use super::view::{Playback, View};
use crate::audio::hosts::{self, OutputDevice};
use crate::preset::PresetLibrary;
use crate::sensor::feed::FeedReceiver;
use crate::sensor::replay::Recorder;
use crate::state::State;
use std::future::Future;
use tokio::sync::{mpsc, watch};

/// Commands waiting beyond this make senders wait (back-pressure, not unbounded memory).
pub const QUEUE: usize = 64;

/// How long a look at the sound server's devices may take. A server that hangs (stopped,
/// or stuck) had held `OutputDevices` for 4 s and then answered with ALSA's plugin names,
/// which `SetOutputDevice` then took; now it is an error in well under a second. A working
/// server answers in tens of milliseconds.
pub const LIST_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(800);

/// [`hosts::list_now`] on a blocking thread, given up after [`LIST_TIMEOUT`] (the thread
/// finishes on its own when the server answers or the connection fails).
async fn list_within(
    host: crate::config::AudioHost,
) -> Result<(cpal::HostId, Vec<OutputDevice>), String> {
    let listing = tokio::task::spawn_blocking(move || hosts::list_now(host));
    match tokio::time::timeout(LIST_TIMEOUT, listing).await {
        Ok(Ok(listed)) => listed,
        Ok(Err(e)) => Err(format!("listing the output devices failed: {e}")),
        Err(_) => Err(format!(
            "the sound server did not answer within {} ms",
            LIST_TIMEOUT.as_millis()
        )),
    }
}

/// The owner task's parts.
pub struct Owner {
    pub core: Core,
    pub library: PresetLibrary,
    pub commands: mpsc::Receiver<Command>,
    /// For builds to report back on.
    pub loopback: mpsc::Sender<Command>,
    pub view: watch::Sender<View>,
    pub state: watch::Sender<State>,
    pub feed: FeedReceiver,
    pub recorder: Option<Recorder>,
    /// Preset requests are numbered; a build is installed only if no newer one has been,
    /// so the newest preset that loads is the one that plays, however builds finish.
    pub preset_request: u64,
    pub installed_request: u64,
    /// logind: the idle inhibitor and the timer's suspend.
    pub power: super::power::Power,
    /// Whether the sensors rest (after a sleep timer that stops, until the next Play).
    pub sensors_rest: watch::Sender<bool>,
}

impl Owner {
    /// Run until `shutdown` resolves, then fade out (if playing) and stop the audio.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) -> Core {
        let mut next_tick = tokio::time::Instant::now();
        let mut recorder = self.recorder.take().map(spawn_recorder);
        tokio::pin!(shutdown);
        loop {
            // Paused, nothing moves but the schedule and the sensors: the owner sleeps until
            // a command, a reading, or the schedule's next minute (if there is a schedule).
            let paused = self.core.playback == Playback::Paused;
            let wake = if paused {
                self.core
                    .schedule_wait()
                    .map(|d| tokio::time::Instant::now() + d)
            } else {
                Some(next_tick)
            };
            let tick = tokio::select! {
                biased;
                _ = &mut shutdown => break,
                Some(command) = self.commands.recv() => {
                    self.handle(command);
                    // Paused, a command is the only wake: one step after it keeps the view
                    // (tempo, workout, controls of a new preset) true without ticking on.
                    self.core.playback == Playback::Paused
                }
                _ = sleep_until_some(wake) => true,
                _ = self.feed.arrived(), if paused => true,
            };
            if tick {
                self.tick(&mut recorder);
                // On schedule, skipping ticks missed (a suspended machine) rather than
                // catching up on them.
                next_tick =
                    (next_tick + self.core.control_period()).max(tokio::time::Instant::now());
                self.publish();
            }
        }
        // The session ends here (the state flushed after this keeps its summary).
        self.core.end_session("shutdown");
        self.publish();
        self.fade_out().await;
        self.core
    }

    /// One control tick: the latest reading in (and recorded), the core's step, the
    /// schedule's preset requested, the sleep timer's ending acted on.
    fn tick(&mut self, recorder: &mut Option<mpsc::UnboundedSender<crate::sensor::Reading>>) {
        let reading = self.feed.take(self.core.session_time());
        if let Some(r) = &reading {
            self.core.push_reading(r);
            if let Some(rec) = recorder
                && rec.send(r.clone()).is_err()
            {
                *recorder = None;
            }
        }
        if let Some(name) = self.core.tick() {
            self.request_preset(PresetChoice::Named(name), None);
        }
        match self.core.take_timer_ending() {
            Some(TimerAction::Suspend) => self.power.suspend(),
            Some(TimerAction::Stop) => {
                self.sensors_rest.send_replace(true);
            }
            Some(TimerAction::Pause) | None => {}
        }
    }

    /// Publish the view and the state to save (the saver writes only real changes).
    fn publish(&mut self) {
        self.power.inhibit_idle(self.core.wants_idle_inhibited());
        if self.core.playback == Playback::Playing {
            self.sensors_rest
                .send_if_modified(|r| std::mem::replace(r, false));
        }
        self.view.send_replace(self.core.view());
        let state = self.core.state();
        self.state.send_if_modified(|s| {
            let changed = *s != state;
            *s = state;
            changed
        });
    }

    /// Publish, then answer: a caller that reads a property after its call returns sees
    /// the change.
    fn answer<T>(&mut self, reply: Reply<T>, value: T) {
        self.publish();
        let _ = reply.send(value);
    }

    fn handle(&mut self, command: Command) {
        let c = &mut self.core;
        match command {
            Command::Play(r) => {
                c.play();
                self.answer(r, ());
            }
            Command::Pause(r) => {
                c.pause();
                self.answer(r, ());
            }
            Command::Toggle(r) => {
                c.toggle();
                self.answer(r, ());
            }
            Command::SetVolume(v, r) => {
                let result = c.set_volume(v);
                self.answer(r, result);
            }
            Command::SetLayerLevel(layer, level, r) => {
                let result = c.set_layer_level(&layer, level);
                self.answer(r, result);
            }
            Command::SetModulationDepth(depth, r) => {
                let result = c.set_modulation_depth(depth);
                self.answer(r, result);
            }
            Command::SetTimer {
                seconds,
                fade,
                action,
                reply,
            } => {
                let result = c.set_timer(seconds, fade, action);
                self.answer(reply, result);
            }
            Command::CancelTimer(r) => {
                c.cancel_timer();
                self.answer(r, ());
            }
            Command::Explain(r) => {
                let _ = r.send(c.explain());
            }
            Command::ExplainText(r) => {
                let _ = r.send(c.explain_text());
            }
            Command::SetMotif(motif, r) => {
                let result = c.set_motif(motif);
                self.answer(r, result);
            }
            Command::SetTargetCadence(spm, r) => {
                let result = c.set_target_cadence(spm);
                self.answer(r, result);
            }
            Command::SetHeartRateZone(lo, hi, r) => {
                let result = c.set_hr_zone(lo, hi);
                self.answer(r, result);
            }
            Command::SetHeartRateCeiling(bpm, r) => {
                let result = c.set_hr_ceiling(bpm);
                self.answer(r, result);
            }
            Command::OutputDevices(r) => self.list_output_devices(r),
            Command::SetOutputDevice(name, r) => self.check_output_device(name, r),
            Command::UseOutputDevice(name, r) => {
                c.set_output_device(&name);
                self.answer(r, Ok(()));
            }
            Command::RememberSensor(s, r) => {
                c.remember_sensor(s);
                self.answer(r, ());
            }
            Command::ForgetSensor(a, r) => {
                c.forget_sensor(&a);
                self.answer(r, ());
            }
            Command::SetPreset(choice, r) => self.request_preset(choice, Some(r)),
            Command::ReloadPresets(r) => self.reload_presets(r),
            Command::PresetBuilt {
                request,
                built,
                reply,
            } => {
                let result = match built {
                    // A newer request was installed already: this one was overtaken, not refused.
                    Ok(_) if request < self.installed_request => Ok(()),
                    Ok(b) => {
                        let (preset, prepared) = *b;
                        self.core.install_preset(preset, prepared);
                        self.installed_request = request;
                        Ok(())
                    }
                    Err(e) => Err(e),
                };
                if let Err(e) = &result
                    && reply.is_none()
                {
                    tracing::warn!("schedule: {e}");
                }
                self.publish();
                if let Some(r) = reply {
                    let _ = r.send(result);
                }
            }
        }
    }

    /// Load and build a preset on a blocking thread; it comes back as `PresetBuilt`.
    fn request_preset(&mut self, choice: PresetChoice, reply: Option<Done>) {
        if let PresetChoice::Named(name) = &choice
            && !crate::preset::valid_name(name)
        {
            let e = CommandError::InvalidArgs(format!(
                "invalid preset name {}: use letters, digits, `-` and `_`",
                crate::quoted::Quoted(name)
            ));
            if let Some(r) = reply {
                let _ = r.send(Err(e));
            }
            return;
        }
        self.preset_request += 1;
        let request = self.preset_request;
        let library = self.library.clone();
        let builder = self.core.preset_builder();
        let loopback = self.loopback.clone();
        tokio::task::spawn_blocking(move || {
            super::background::lower_this_thread();
            let name = match choice {
                PresetChoice::Named(n) => n,
                PresetChoice::Step { from, offset } => {
                    let names = library.names();
                    let here = names.iter().position(|n| *n == from).unwrap_or(0) as isize;
                    let next = (here + offset).rem_euclid(names.len().max(1) as isize);
                    names[next as usize].clone()
                }
            };
            let built = library
                .load(&name)
                .map(|preset| {
                    let prepared = builder.build(&preset);
                    Box::new((preset, prepared))
                })
                .map_err(CommandError::from);
            let _ = loopback.blocking_send(Command::PresetBuilt {
                request,
                built,
                reply,
            });
        });
    }

    /// Reload the preset playing; report what is wrong in the preset directory and the
    /// schedule (after reloading what can be).
    fn reload_presets(&mut self, reply: Done) {
        let (library, config) = (self.library.clone(), self.core.config.clone());
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.request_preset(PresetChoice::Named(self.core.preset.name.clone()), Some(tx));
        tokio::spawn(async move {
            let problems =
                tokio::task::spawn_blocking(move || super::checks::problems(&library, &config))
                    .await
                    .unwrap_or_default();
            for p in &problems {
                tracing::warn!("{p}");
            }
            let reloaded = rx.await.unwrap_or(Err(CommandError::ShuttingDown));
            // Every problem is told, the playing preset's with the rest (it had been the
            // only one).
            let result = match (reloaded, problems.is_empty()) {
                (Err(e), true) => Err(e),
                (Err(e), false) => {
                    let first = e.to_string();
                    let rest: Vec<String> = problems.into_iter().filter(|p| *p != first).collect();
                    let all: Vec<String> = std::iter::once(first).chain(rest).collect();
                    Err(CommandError::Failed(all.join("; ")))
                }
                (Ok(()), true) => Ok(()),
                (Ok(()), false) => Err(CommandError::Failed(problems.join("; "))),
            };
            let _ = reply.send(result);
        });
    }

    /// List the output devices on a blocking thread (a server round trip, or for PipeWire a
    /// new connection) and answer from there; a server that does not answer within
    /// [`LIST_TIMEOUT`] gets an error, not the next host's list.
    fn list_output_devices(&self, reply: Reply<Result<Vec<OutputDevice>, CommandError>>) {
        let host = self.core.config.audio.host;
        tokio::spawn(async move {
            let listed = list_within(host)
                .await
                .map(|(_, devices)| devices)
                .map_err(CommandError::Failed);
            let _ = reply.send(listed);
        });
    }

    /// Check `name` against the devices there now (off the core), then come back as
    /// `UseOutputDevice`; "" (the default) needs no check.
    fn check_output_device(&mut self, name: String, reply: Done) {
        let name = match crate::limits::device_name(&name) {
            Ok(n) => n,
            Err(e) => {
                let _ = reply.send(Err(CommandError::InvalidArgs(e)));
                return;
            }
        };
        if name.is_empty() {
            self.core.set_output_device("");
            self.answer(reply, Ok(()));
            return;
        }
        let (host, loopback) = (self.core.config.audio.host, self.loopback.clone());
        tokio::spawn(async move {
            match list_within(host).await {
                Ok((_, devices)) if devices.iter().any(|d| d.name == name) => {
                    let _ = loopback.send(Command::UseOutputDevice(name, reply)).await;
                }
                Ok((id, devices)) => {
                    let names: Vec<&str> = devices.iter().map(|d| d.name.as_str()).collect();
                    let _ = reply.send(Err(CommandError::InvalidArgs(format!(
                        "no output device {name:?} on {}; there are: {}",
                        id.name(),
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    ))));
                }
                Err(e) => {
                    let _ = reply.send(Err(CommandError::Failed(format!(
                        "cannot list output devices to check {name:?}: {e}"
                    ))));
                }
            }
        });
    }

    /// Fade out over [`FADE_OUT`](super::FADE_OUT) if anything is playing, then stop.
    async fn fade_out(&mut self) {
        if self.core.playback == Playback::Playing {
            tracing::info!("fading out");
            let steps = 20;
            for i in (0..steps).rev() {
                self.core.fade_volume(i as f32 / steps as f32);
                tokio::time::sleep(super::FADE_OUT / steps).await;
            }
        }
        self.core.stop_audio();
    }
}

/// Sleep until `wake`, or forever without one.
async fn sleep_until_some(wake: Option<tokio::time::Instant>) {
    match wake {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Write readings to the session CSV on a blocking thread (file I/O stays off the core).
fn spawn_recorder(mut recorder: Recorder) -> mpsc::UnboundedSender<crate::sensor::Reading> {
    let (tx, mut rx) = mpsc::unbounded_channel::<crate::sensor::Reading>();
    tokio::task::spawn_blocking(move || {
        while let Some(r) = rx.blocking_recv() {
            if let Err(e) = recorder.write(&r) {
                tracing::warn!("recording stopped: {e}");
                return;
            }
        }
    });
    tx
}
