//! The daemon's core in-process, on tokio's paused clock: the owner task with its real
//! core, engine and preset builds, a recording stand-in for the sound card
//! (`audio::recording`), a detached power task and a wall clock of the test's own. Hours of
//! the daemon's life run in a second, every time the same.

use attuned::audio::AudioCommand;
use attuned::audio::recording::{RecordingHandle, RecordingOutput};
use attuned::config::Config;
use attuned::control::Controller;
use attuned::daemon::command::Command;
use attuned::daemon::core::{Core, TimerAction};
use attuned::daemon::handle::CoreHandle;
use attuned::daemon::owner::{Owner, QUEUE};
use attuned::daemon::power::{Power, PowerCommand};
use attuned::daemon::view::Playback;
use attuned::features::Clock;
use attuned::preset::{Preset, PresetLibrary};
use attuned::state::State;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

/// A wall clock that starts at `start_h` local time, `offset_h` ahead of UTC, runs on the
/// paused tokio clock, jumps by `jump_h` (a daylight-saving change) once `jump_after` has
/// passed, and counts how often it is read (each read is a wake-up of the owner).
struct TestClock {
    reads: Arc<AtomicU64>,
}

impl TestClock {
    fn start(
        start_h: f64,
        offset_h: f64,
        jump: Option<(Duration, f64)>,
    ) -> (TestClock, Box<dyn Fn() -> Clock + Send>) {
        let reads = Arc::new(AtomicU64::new(0));
        let counted = reads.clone();
        let t0 = Instant::now();
        let clock = Box::new(move || {
            counted.fetch_add(1, Ordering::Relaxed);
            let elapsed = t0.elapsed();
            let shift = jump
                .filter(|(after, _)| elapsed >= *after)
                .map_or(0.0, |j| j.1);
            let local = start_h + shift + elapsed.as_secs_f64() / 3600.0;
            Clock {
                session_s: elapsed.as_secs_f64(),
                local_hours: local.rem_euclid(24.0),
                day_of_year: 88,
                utc_offset_h: offset_h + shift,
            }
        });
        (TestClock { reads }, clock)
    }

    fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }
}

/// The owner running on its task, and the test's ends of everything around it.
struct Daemon {
    handle: CoreHandle,
    loopback: mpsc::Sender<Command>,
    audio: RecordingHandle,
    power: mpsc::UnboundedReceiver<PowerCommand>,
    sensors_rest: watch::Receiver<bool>,
    stop: Option<oneshot::Sender<()>>,
    owner: tokio::task::JoinHandle<Core>,
    builder: attuned::engine::PresetBuilder,
    _feed: attuned::sensor::feed::FeedSender,
}

fn start(config: Config, preset: &str, clock: Box<dyn Fn() -> Clock + Send>) -> Daemon {
    start_numbered(config, preset, clock, 0)
}

/// [`start`] with the preset requests numbered from `requests` on.
fn start_numbered(
    config: Config,
    preset: &str,
    clock: Box<dyn Fn() -> Clock + Send>,
    requests: u64,
) -> Daemon {
    let mut audio = None;
    let core = Core::new(
        config,
        Preset::builtin(preset).unwrap(),
        // Paused at start (a fresh daemon plays; these tests say when).
        &State {
            playing: false,
            ..State::default()
        },
        Controller::teacher("in-process test"),
        clock,
        |renderer, config| {
            let (output, handle) = RecordingOutput::new(renderer, &config);
            audio = Some(handle);
            Box::new(output)
        },
    );
    let builder = core.preset_builder();
    let (view_tx, view_rx) = watch::channel(core.view());
    let (state_tx, _state_rx) = watch::channel(core.state());
    let (commands_tx, commands_rx) = mpsc::channel(QUEUE);
    let (feed_tx, feed) = attuned::sensor::feed::channel();
    let (power, power_rx) = Power::detached();
    let (sensors_rest, rest_rx) = watch::channel(false);
    let owner = Owner {
        core,
        library: PresetLibrary::new(),
        commands: commands_rx,
        loopback: commands_tx.clone(),
        view: view_tx,
        state: state_tx,
        feed,
        recorder: None,
        preset_request: requests,
        installed_request: 0,
        power,
        sensors_rest,
    };
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let owner = tokio::spawn(owner.run(async {
        let _ = stop_rx.await;
    }));
    Daemon {
        handle: CoreHandle::new(commands_tx.clone(), view_rx),
        loopback: commands_tx,
        audio: audio.expect("the core started its output"),
        power: power_rx,
        sensors_rest: rest_rx,
        stop: Some(stop_tx),
        owner,
        builder,
        _feed: feed_tx,
    }
}

impl Daemon {
    fn playback(&self) -> Playback {
        self.handle.view().playback
    }

    fn preset(&self) -> String {
        self.handle.view().preset.clone()
    }

    /// Shut down as the daemon does (fading if playing); how long that took on the clock.
    async fn shutdown(mut self) -> (Duration, Vec<AudioCommand>) {
        let t0 = Instant::now();
        let _ = self.stop.take().unwrap().send(());
        let core = self.owner.await.expect("the owner ended cleanly");
        let took = t0.elapsed();
        drop(core);
        (took, self.audio.commands())
    }
}

/// Advance the paused clock by `d` (the owner ticks through it).
async fn pass(d: Duration) {
    tokio::time::sleep(d).await;
}

/// The level of the last second of `seconds` pulled through the renderer.
fn level_after(audio: &RecordingHandle, seconds: usize) -> f32 {
    let rate = attuned::engine::SAMPLE_RATE as usize;
    for _ in 1..seconds {
        audio.pull(rate).expect("playing");
    }
    audio.pull_rms(rate).expect("playing")
}

fn noon() -> (TestClock, Box<dyn Fn() -> Clock + Send>) {
    TestClock::start(12.0, 1.0, None)
}

#[tokio::test(start_paused = true)]
async fn a_sleep_timer_fades_and_ends_in_each_of_its_three_ways() {
    for action in [TimerAction::Pause, TimerAction::Stop, TimerAction::Suspend] {
        let (_clock, wall) = noon();
        let mut d = start(Config::default(), "sleep", wall);
        d.handle.play().await.unwrap();
        let full = level_after(&d.audio, 8);
        assert!(full > 1e-3, "{action:?}: the sleep preset plays ({full})");
        d.handle.set_timer(120.0, 60.0, action).await.unwrap();
        assert!((d.handle.view().timer_remaining() - 120.0).abs() < 0.01);
        pass(Duration::from_secs(50)).await;
        let before_fade = level_after(&d.audio, 2);
        pass(Duration::from_secs(60)).await;
        // 10 s left of a 60 s fade: (10/60)² of the volume, -31 dB.
        let late_in_fade = level_after(&d.audio, 2);
        assert!(
            late_in_fade < before_fade * 0.15,
            "{action:?}: {late_in_fade} late in the fade against {before_fade} before it"
        );
        assert_eq!(d.playback(), Playback::Playing);
        pass(Duration::from_secs(11)).await;
        assert_eq!(d.playback(), Playback::Paused, "{action:?}");
        assert_eq!(d.handle.view().timer_ends, None);
        assert!(!d.audio.playing(), "{action:?}: the stream closed");
        assert_eq!(d.audio.commands().last(), Some(&AudioCommand::Stop));
        let rested = *d.sensors_rest.borrow();
        assert_eq!(
            rested,
            action == TimerAction::Stop,
            "{action:?}: sensors rest"
        );
        let mut asked = Vec::new();
        while let Ok(p) = d.power.try_recv() {
            asked.push(p);
        }
        assert_eq!(
            asked.contains(&PowerCommand::Suspend),
            action == TimerAction::Suspend,
            "{action:?}: {asked:?}"
        );
        // The next play is at the full volume again, and wakes the sensors.
        d.handle.play().await.unwrap();
        let again = level_after(&d.audio, 3);
        assert!(
            again > before_fade * 0.3,
            "{action:?}: {again} after, {before_fade} before"
        );
        assert!(!*d.sensors_rest.borrow());
        d.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_timer_restores_the_volume_and_leaves_the_music_playing() {
    let (_clock, wall) = noon();
    let d = start(Config::default(), "sleep", wall);
    d.handle.play().await.unwrap();
    let full = level_after(&d.audio, 8);
    d.handle
        .set_timer(60.0, 60.0, TimerAction::Pause)
        .await
        .unwrap();
    pass(Duration::from_secs(50)).await;
    let faded = level_after(&d.audio, 2);
    assert!(faded < full * 0.3, "{faded} against {full}");
    d.handle.cancel_timer().await.unwrap();
    pass(Duration::from_secs(30)).await;
    assert_eq!(d.playback(), Playback::Playing);
    let back = level_after(&d.audio, 3);
    assert!(back > faded * 3.0, "{back} after cancelling, {faded} faded");
    d.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_schedule_follows_daylight_saving_while_paused_waking_once_a_minute() {
    // 01:58 winter time; at 02:00 the clocks go forward to 03:00. The 02:30 entry never
    // comes by the clock: it is caught up at the jump, not skipped, and nothing fires early.
    let (clock, wall) = TestClock::start(
        1.0 + 58.0 / 60.0,
        1.0,
        Some((Duration::from_secs(120), 1.0)),
    );
    let config = Config::parse(
        "config.toml",
        "schedule = [\"02:30 rain\", \"07:00 focus\"]\n",
    )
    .unwrap();
    let mut d = start(config, "focus", wall);
    let mut view = d.handle.subscribe();
    pass(Duration::from_secs(115)).await;
    assert_eq!(d.preset(), "focus", "nothing is due before the change");
    tokio::time::timeout(
        Duration::from_secs(120),
        view.wait_for(|v| v.preset == "rain"),
    )
    .await
    .expect("rain within two minutes of the change")
    .unwrap();
    assert_eq!(d.playback(), Playback::Paused);
    // Paused with a schedule, the owner wakes once a minute (two reads of the clock: the
    // tick's and the next minute's), not at the control rate.
    let before = clock.reads();
    pass(Duration::from_secs(600)).await;
    let reads = clock.reads() - before;
    assert!(
        (10..=25).contains(&reads),
        "{reads} clock reads in 10 paused minutes"
    );
    assert!(
        d.power.try_recv().is_err(),
        "nothing asked of logind while paused"
    );
    d.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn paused_without_a_schedule_the_owner_never_wakes_and_playing_it_ticks() {
    let (clock, wall) = noon();
    let d = start(Config::default(), "focus", wall);
    pass(Duration::from_secs(1)).await;
    let before = clock.reads();
    pass(Duration::from_secs(3600)).await;
    assert_eq!(clock.reads() - before, 0, "an hour paused: no wake-up");
    d.handle.play().await.unwrap();
    let before = clock.reads();
    pass(Duration::from_secs(60)).await;
    let ticks = clock.reads() - before;
    // Clock-only controls tick at 2 Hz.
    assert!(
        (110..=125).contains(&ticks),
        "{ticks} ticks in a playing minute"
    );
    d.handle.pause().await.unwrap();
    let before = clock.reads();
    pass(Duration::from_secs(600)).await;
    assert_eq!(clock.reads() - before, 0, "paused again: no wake-up");
    d.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn preset_builds_finishing_out_of_order_leave_the_newest_playing() {
    let (_clock, wall) = noon();
    // Two requests were made (1: sleep, 2: rain); their builds come back newest first.
    let d = start_numbered(Config::default(), "focus", wall, 2);
    let built = |name: &str| {
        let preset = Preset::builtin(name).unwrap();
        let prepared = d.builder.build(&preset);
        Ok(Box::new((preset, prepared)))
    };
    let (rain, sleep) = (built("rain"), built("sleep"));
    let send = |request, built| {
        let (tx, rx) = oneshot::channel();
        let loopback = d.loopback.clone();
        async move {
            let reply = Some(tx);
            let sent = loopback.send(Command::PresetBuilt {
                request,
                built,
                reply,
            });
            sent.await.map_err(|_| "owner gone").unwrap();
            rx.await.unwrap()
        }
    };
    send(2, rain).await.unwrap();
    assert_eq!(d.preset(), "rain");
    // The older build arrives late: answered (it was overtaken, not refused), not installed.
    send(1, sleep).await.unwrap();
    assert_eq!(d.preset(), "rain");
    // Through the handle: the last of a burst of requests is what plays, however the
    // blocking builds finish.
    let names = ["sleep", "workout", "relax", "rain", "deep-focus", "sleep"];
    let requests = names.iter().map(|n| d.handle.set_preset(n));
    for r in futures_join(requests).await {
        r.unwrap();
    }
    assert_eq!(d.preset(), "sleep");
    let refused = d.handle.set_preset("no-such-preset").await;
    assert!(refused.is_err());
    assert_eq!(
        d.preset(),
        "sleep",
        "a preset that fails to load changes nothing"
    );
    let stepped = d.handle.step_preset(1);
    stepped.await.unwrap();
    assert_ne!(d.preset(), "sleep");
    // Paused, the view still follows: the workout's beat report is there at once.
    assert_eq!(d.playback(), Playback::Paused);
    d.handle.set_preset("workout").await.unwrap();
    pass(Duration::from_millis(1)).await;
    assert!(
        d.handle.view().workout.is_some(),
        "the workout beat shows while paused"
    );
    d.shutdown().await;
}

/// Await all of `futures` concurrently, in order.
async fn futures_join<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    // Polled together: each request is queued before any is answered.
    let mut pending: Vec<_> = futures.map(|f| Some(Box::pin(f))).collect();
    let mut results: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *result = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    results.into_iter().map(Option::unwrap).collect()
}

#[tokio::test(start_paused = true)]
async fn a_storm_of_play_and_pause_ends_in_its_last_state() {
    let (_clock, wall) = noon();
    let d = start(Config::default(), "focus", wall);
    // 201 toggles at once, then pause/play pairs: taken one at a time, in order.
    futures_join((0..201).map(|_| d.handle.toggle())).await;
    assert_eq!(d.playback(), Playback::Playing);
    assert!(d.audio.playing());
    let storm = (0..100).map(|i| {
        let h = d.handle.clone();
        async move {
            if i % 2 == 0 {
                h.pause().await
            } else {
                h.play().await
            }
        }
    });
    futures_join(storm).await;
    assert_eq!(d.playback(), Playback::Playing);
    let commands = d.audio.commands();
    // One audio command per play or pause (the stopped output was told Stop at start).
    let plays_and_stops = commands
        .iter()
        .filter(|c| matches!(c, AudioCommand::Play | AudioCommand::Stop));
    assert_eq!(plays_and_stops.count(), 301, "{commands:?}");
    assert_eq!(commands.last(), Some(&AudioCommand::Play));
    // The music moves on from where it was.
    assert!(level_after(&d.audio, 3) > 1e-4);
    d.handle.pause().await.unwrap();
    assert!(!d.audio.playing());
    d.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn shutdown_while_paused_is_at_once_and_while_playing_fades() {
    let (_clock, wall) = noon();
    let d = start(Config::default(), "focus", wall);
    pass(Duration::from_secs(5)).await;
    let (took, commands) = d.shutdown().await;
    assert_eq!(took, Duration::ZERO, "paused: no fade");
    assert_eq!(commands.last(), Some(&AudioCommand::Stop));

    let (_clock, wall) = noon();
    let d = start(Config::default(), "focus", wall);
    d.handle.play().await.unwrap();
    pass(Duration::from_secs(5)).await;
    let fade = attuned::daemon::FADE_OUT;
    let (took, commands) = d.shutdown().await;
    assert!(
        took >= fade && took < fade + Duration::from_millis(500),
        "{took:?}"
    );
    assert_eq!(commands.last(), Some(&AudioCommand::Stop));
    assert_eq!(
        commands
            .iter()
            .filter(|c| **c == AudioCommand::Play)
            .count(),
        1
    );
}

#[tokio::test(start_paused = true)]
async fn the_output_device_choice_reaches_the_output() {
    let (_clock, wall) = noon();
    let d = start(Config::default(), "focus", wall);
    // "" (the default) needs no look at the sound server.
    d.handle.set_output_device("").await.unwrap();
    assert_eq!(d.audio.device(), None);
    assert_eq!(d.handle.view().output_device, "");
    let bad = d.handle.set_output_device("bad\nname").await;
    assert!(bad.is_err());
    d.shutdown().await;
}
