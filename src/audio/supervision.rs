//! What the audio supervisor decides, apart from what it does: a pure state machine fed
//! the commands that arrived, what it saw of the stream and the time, answering with the
//! one thing to do next. [`super::output`] does it (opens, closes, looks at servers and
//! devices) and reports back; the tests here drive the machine with made-up times.

use std::time::{Duration, Instant};

/// No callback progress for this long means the stream is dead.
pub const WATCHDOG: Duration = Duration::from_secs(3);
/// Longest wait between rebuild attempts (the server coming back is heard within ~1 s).
pub const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// How often a playing stream's host is checked against better ones, and a stream on the
/// default standing in for the chosen device looks whether that device is back.
pub const CHECK_EVERY: Duration = Duration::from_secs(1);
/// How often a stream on the chosen device looks whether it is still there. Rarely: cpal
/// reports a vanished PipeWire device itself, and PulseAudio moves the stream to the default
/// on its own, so this only corrects what `AudioOutput` says. (On PipeWire each look is a
/// new connection: once a second cost 2.8 wake-ups/s and 0.1 % of the server's CPU.)
pub const CHOSEN_CHECK_EVERY: Duration = Duration::from_secs(5);

/// What the daemon tells the audio supervisor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioCommand {
    /// Keep a stream open.
    Play,
    /// Close the stream (no wake-ups while paused).
    Stop,
    /// Play on this output device (`None`: the default).
    SetDevice(Option<String>),
    /// End the supervisor.
    Shutdown,
}

/// The first wait between attempts (doubling up to [`MAX_BACKOFF`]).
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// How often a stream being opened, or waited for, is looked after.
const BUSY_LOOK: Duration = Duration::from_millis(100);

/// Where the supervisor stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Nothing wanted and no stream: only a command wakes the supervisor.
    Idle,
    /// A stream is wanted and none is open: the next attempt at `retry_at`.
    Waiting {
        since: Instant,
        retry_at: Instant,
        backoff: Duration,
    },
    /// A stream is open and watched.
    Playing(Watch),
}

/// What is watched of an open stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    pub opened_at: Instant,
    /// The callback has run at least once.
    pub heard: bool,
    /// Frames rendered when last looked at, and when they last moved.
    pub frames: u64,
    pub progress_at: Instant,
    pub checked_at: Instant,
    pub device_checked_at: Instant,
    /// It plays on the chosen device (not the default standing in for it).
    pub on_chosen: bool,
}

/// What the supervisor saw before deciding.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// Frames the renderer has rendered.
    pub frames: u64,
    /// What cpal reported wrong with the open stream.
    pub fault: Option<String>,
    /// A sound server's socket is there (cheap to look at; connecting is not).
    pub server_present: bool,
}

/// The one thing to do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Close everything and end.
    Exit,
    /// Nothing is wanted: close the stream (status: stopped).
    Stop,
    /// Nothing to do until the next wake.
    Wait,
    /// Open a stream now (then report with [`Supervision::opened`]).
    Open,
    /// The open stream died: close it and its host (status: waiting, with why).
    Lost(String),
    /// The chosen device changed: close the stream; the next attempt opens on the new one.
    Rebuild,
    /// Look for a better place to play (the chosen device too, when `device_due`); report
    /// a move with [`Supervision::moving`].
    Look { device_due: bool },
}

/// The supervisor's state: what is wanted, on which device, and the [`Phase`].
#[derive(Debug, Clone)]
pub struct Supervision {
    pub want: bool,
    pub device: Option<String>,
    pub phase: Phase,
    /// A server socket was there at the last look while not playing.
    server_seen: bool,
}

impl Supervision {
    pub fn new(device: Option<String>) -> Self {
        Supervision {
            want: false,
            device,
            phase: Phase::Idle,
            server_seen: false,
        }
    }

    /// How long to wait for a command before deciding again (`None`: only a command).
    pub fn wait(&self) -> Option<Duration> {
        match &self.phase {
            Phase::Idle => None,
            // A healthy stream needs few looks (wake-ups cost battery); one being made or
            // waited for is looked after often.
            Phase::Playing(w) if w.heard => Some(CHECK_EVERY),
            _ => Some(BUSY_LOOK),
        }
    }

    /// Decide, at `now`, after `commands` arrived (oldest first; taken together, so a burst
    /// of play/pause ends in its last state without a stream built for each step) and with
    /// the stream `seen` as it is.
    pub fn decide(&mut self, now: Instant, commands: &[AudioCommand], seen: &Seen) -> Decision {
        let mut moved = false;
        for command in commands {
            match command {
                AudioCommand::Play => self.want = true,
                AudioCommand::Stop => self.want = false,
                AudioCommand::SetDevice(device) => {
                    moved |= *device != self.device;
                    self.device.clone_from(device);
                }
                AudioCommand::Shutdown => {
                    self.phase = Phase::Idle;
                    return Decision::Exit;
                }
            }
        }
        if !self.want {
            self.phase = Phase::Idle;
            return Decision::Stop;
        }
        match &mut self.phase {
            Phase::Idle => {
                self.phase = waiting(now);
                Decision::Open
            }
            Phase::Playing(_) if moved => {
                self.phase = waiting(now);
                Decision::Rebuild
            }
            Phase::Playing(w) => {
                if seen.frames != w.frames {
                    w.frames = seen.frames;
                    w.progress_at = now;
                    w.heard = true;
                }
                let stalled = now.saturating_duration_since(w.progress_at) > WATCHDOG;
                let failure = seen.fault.clone().or_else(|| {
                    stalled.then(|| format!("no audio callback for {} s", WATCHDOG.as_secs()))
                });
                if let Some(why) = failure {
                    self.phase = waiting(now);
                    return Decision::Lost(why);
                }
                if now.saturating_duration_since(w.checked_at) < CHECK_EVERY {
                    return Decision::Wait;
                }
                w.checked_at = now;
                let device_due = !w.on_chosen
                    || now.saturating_duration_since(w.device_checked_at) >= CHOSEN_CHECK_EVERY;
                if device_due {
                    w.device_checked_at = now;
                }
                Decision::Look { device_due }
            }
            Phase::Waiting {
                retry_at, backoff, ..
            } => {
                // A sound server socket appearing is worth an attempt at once, whatever
                // the backoff (looking costs nothing; connecting to nothing spams errors).
                if seen.server_present && !self.server_seen {
                    *retry_at = now;
                    *backoff = FIRST_BACKOFF;
                }
                self.server_seen = seen.server_present;
                if now < *retry_at {
                    Decision::Wait
                } else {
                    Decision::Open
                }
            }
        }
    }

    /// The attempt decided at `now` opened a stream (`Ok(on_chosen)`) or failed; `frames`
    /// rendered so far.
    pub fn opened(&mut self, now: Instant, result: Result<bool, ()>, frames: u64) {
        let Phase::Waiting { since, backoff, .. } = self.phase else {
            return;
        };
        self.phase = match result {
            Ok(on_chosen) => Phase::Playing(Watch {
                opened_at: now,
                heard: false,
                frames,
                progress_at: now,
                checked_at: now,
                device_checked_at: now,
                on_chosen,
            }),
            Err(()) => Phase::Waiting {
                since,
                retry_at: now + backoff,
                backoff: (backoff * 2).min(MAX_BACKOFF),
            },
        };
    }

    /// A better place was found at the look: the stream closes and reopens at once.
    pub fn moving(&mut self, now: Instant) {
        self.phase = waiting(now);
    }

    /// When the open stream's first callback came, once it has.
    pub fn first_heard(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Playing(w) if w.heard => Some(w.opened_at),
            _ => None,
        }
    }
}

fn waiting(now: Instant) -> Phase {
    Phase::Waiting {
        since: now,
        retry_at: now,
        backoff: FIRST_BACKOFF,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AudioCommand::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn quiet() -> Seen {
        Seen::default()
    }

    /// A supervision playing since `t0` on the chosen device or the default.
    fn playing(t0: Instant, device: Option<&str>, on_chosen: bool) -> Supervision {
        let mut s = Supervision::new(device.map(String::from));
        assert_eq!(s.decide(t0, &[Play], &quiet()), Decision::Open);
        s.opened(t0, Ok(on_chosen), 0);
        s
    }

    #[test]
    fn idle_waits_only_for_a_command_and_play_opens_at_once() {
        let t0 = Instant::now();
        let mut s = Supervision::new(None);
        assert_eq!(s.wait(), None);
        assert_eq!(s.decide(t0, &[], &quiet()), Decision::Stop);
        assert_eq!(s.wait(), None);
        assert_eq!(s.decide(t0, &[Play], &quiet()), Decision::Open);
        assert_eq!(s.wait(), Some(BUSY_LOOK));
    }

    #[test]
    fn a_burst_of_commands_ends_in_its_last_state() {
        let t0 = Instant::now();
        let mut s = Supervision::new(None);
        assert_eq!(
            s.decide(t0, &[Play, Stop, Play, Stop], &quiet()),
            Decision::Stop
        );
        assert_eq!(s.phase, Phase::Idle);
        assert_eq!(
            s.decide(t0, &[Stop, Play, Stop, Play], &quiet()),
            Decision::Open
        );
        let mut s = playing(t0, None, true);
        assert_eq!(
            s.decide(t0, &[Stop, Play], &quiet()),
            Decision::Wait,
            "still wanted"
        );
        assert_eq!(
            s.decide(t0, &[Play, Shutdown, Play], &quiet()),
            Decision::Exit
        );
    }

    #[test]
    fn failed_opens_back_off_to_a_second_and_a_server_appearing_retries_at_once() {
        let t0 = Instant::now();
        let mut s = Supervision::new(None);
        assert_eq!(s.decide(t0, &[Play], &quiet()), Decision::Open);
        let mut t = t0;
        let mut gaps = Vec::new();
        for _ in 0..6 {
            s.opened(t, Err(()), 0);
            let Phase::Waiting { retry_at, .. } = s.phase else {
                panic!("{:?}", s.phase)
            };
            assert_eq!(s.decide(retry_at - ms(1), &[], &quiet()), Decision::Wait);
            assert_eq!(s.decide(retry_at, &[], &quiet()), Decision::Open);
            gaps.push((retry_at - t).as_millis());
            t = retry_at;
        }
        assert_eq!(gaps, [100, 200, 400, 800, 1000, 1000]);
        s.opened(t, Err(()), 0);
        let present = Seen {
            server_present: true,
            ..quiet()
        };
        assert_eq!(s.decide(t + ms(10), &[], &present), Decision::Open);
        s.opened(t + ms(10), Err(()), 0);
        // Still there: no longer news, the backoff (restarted) rules.
        assert_eq!(s.decide(t + ms(20), &[], &present), Decision::Wait);
        assert_eq!(s.decide(t + ms(110), &[], &present), Decision::Open);
    }

    #[test]
    fn a_stream_that_stops_rendering_or_faults_is_lost_and_reopened_at_once() {
        let t0 = Instant::now();
        let mut s = playing(t0, None, true);
        assert_eq!(
            s.wait(),
            Some(BUSY_LOOK),
            "watched closely until the first callback"
        );
        let rendering = |frames| Seen { frames, ..quiet() };
        assert_eq!(s.decide(t0 + ms(100), &[], &rendering(512)), Decision::Wait);
        assert_eq!(s.first_heard(), Some(t0));
        assert_eq!(s.wait(), Some(CHECK_EVERY));
        // Frames stop at 512: lost once the watchdog has passed, not before.
        let stalled = t0 + ms(100) + WATCHDOG;
        assert!(matches!(
            s.decide(stalled, &[], &rendering(512)),
            Decision::Look { .. }
        ));
        let lost = s.decide(stalled + ms(1), &[], &rendering(512));
        assert_eq!(lost, Decision::Lost("no audio callback for 3 s".into()));
        assert_eq!(s.decide(stalled + ms(1), &[], &quiet()), Decision::Open);
        s.opened(stalled + ms(2), Ok(true), 512);
        let fault = Seen {
            frames: 1024,
            fault: Some("device gone".into()),
            ..quiet()
        };
        let lost = s.decide(stalled + ms(3), &[], &fault);
        assert_eq!(lost, Decision::Lost("device gone".into()));
    }

    #[test]
    fn looks_come_every_second_and_the_chosen_device_every_five() {
        let t0 = Instant::now();
        let mut s = playing(t0, Some("usb"), true);
        let mut looks = Vec::new();
        for i in 1..=20u64 {
            let t = t0 + ms(500 * i);
            let d = s.decide(
                t,
                &[],
                &Seen {
                    frames: i,
                    ..quiet()
                },
            );
            if let Decision::Look { device_due } = d {
                looks.push((500 * i, device_due));
            }
        }
        let due: Vec<u64> = looks.iter().filter(|l| l.1).map(|l| l.0).collect();
        assert_eq!(looks.len(), 10, "{looks:?}");
        assert_eq!(due, [5000, 10000], "{looks:?}");
        // On the default standing in for the chosen device: every look asks for it.
        let mut s = playing(t0, Some("usb"), false);
        let d = s.decide(
            t0 + CHECK_EVERY,
            &[],
            &Seen {
                frames: 1,
                ..quiet()
            },
        );
        assert_eq!(d, Decision::Look { device_due: true });
        s.moving(t0 + CHECK_EVERY);
        assert_eq!(s.decide(t0 + CHECK_EVERY, &[], &quiet()), Decision::Open);
    }

    #[test]
    fn choosing_another_device_rebuilds_and_the_same_one_does_not() {
        let t0 = Instant::now();
        let mut s = playing(t0, Some("usb"), true);
        let same = s.decide(t0 + ms(10), &[SetDevice(Some("usb".into()))], &quiet());
        assert_eq!(same, Decision::Wait);
        let other = s.decide(t0 + ms(20), &[SetDevice(None)], &quiet());
        assert_eq!(other, Decision::Rebuild);
        assert_eq!(s.device, None);
        assert_eq!(s.decide(t0 + ms(20), &[], &quiet()), Decision::Open);
        // Paused, a device choice only changes where the next stream opens.
        let mut s = Supervision::new(None);
        let d = s.decide(t0, &[SetDevice(Some("hdmi".into()))], &quiet());
        assert_eq!(d, Decision::Stop);
        assert_eq!(s.device.as_deref(), Some("hdmi"));
    }
}
