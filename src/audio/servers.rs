//! Which sound servers are there, and whether one answers: what the audio supervisor
//! ([`super::output`]) looks at once a second to find a better place to play.

use super::hosts;
use super::stream::SharedHost;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the first look at a passed-over server waits; each look that finds it still
/// not answering doubles the wait, up to [`PASSED_OVER_MAX_WAIT`].
pub const PASSED_OVER_FIRST_WAIT: Duration = Duration::from_secs(1);
/// The longest wait between looks at a passed-over server. Each look is a new connection,
/// and one that answers but then fails to play costs the listener a moment of silence.
pub const PASSED_OVER_MAX_WAIT: Duration = Duration::from_secs(240);
/// How long a look waits for a server's answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(1);

/// Which sound servers' sockets are there.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Servers {
    pipewire: bool,
    pulse: bool,
}

impl Servers {
    pub(super) fn now() -> Servers {
        Servers {
            pipewire: hosts::pipewire_running(),
            pulse: hosts::pulse_running(),
        }
    }

    pub(super) fn any(self) -> bool {
        self.pipewire || self.pulse
    }

    /// The hosts whose server runs now and did not at `before`.
    /// The best-ranked server running now that ranks above `host`.
    pub(super) fn best_above(self, host: cpal::HostId) -> Option<cpal::HostId> {
        [
            (self.pipewire, cpal::HostId::PipeWire),
            (self.pulse, cpal::HostId::PulseAudio),
        ]
        .into_iter()
        .find(|&(running, id)| running && hosts::rank(id) < hosts::rank(host))
        .map(|(_, id)| id)
    }

    pub(super) fn appeared_since(self, before: &Servers) -> Vec<cpal::HostId> {
        let mut ids = Vec::new();
        if self.pipewire && !before.pipewire {
            ids.push(cpal::HostId::PipeWire);
        }
        if self.pulse && !before.pulse {
            ids.push(cpal::HostId::PulseAudio);
        }
        ids
    }
}

/// Whether `host` has an output device called `name` now (`None`: no answer within a
/// second, e.g. a server that hangs; the stream's own watchdog judges that case). PipeWire's
/// host lists devices once, when made, so it is asked through a new one.
pub(super) fn device_present(host: SharedHost, name: &str) -> Option<bool> {
    let (tx, rx) = mpsc::channel();
    let name = name.to_owned();
    std::thread::Builder::new()
        .name("attuned-devices".into())
        .spawn(move || {
            let present = if host.0 == cpal::HostId::PipeWire {
                hosts::host(host.0)
                    .ok()
                    .map(|h| hosts::find_output(&h, &name).is_some())
            } else {
                Some(hosts::find_output(&host.1, &name).is_some())
            };
            let _ = tx.send(present);
        })
        .ok()?;
    rx.recv_timeout(ANSWER_TIMEOUT).ok().flatten()
}

/// A sound server that ranks above the playing host and whose socket was there when the
/// stream opened: it was passed over because it did not answer then (a server that is
/// still starting has its socket before it answers; under load, long before). Its socket
/// is not new, so nothing "appears"; it is asked again — a new connection, on a helper
/// thread — from [`PASSED_OVER_FIRST_WAIT`] on, twice as long after each look that finds
/// it still silent, and moved to once it answers with an output device.
pub(super) struct PassedOver {
    next_look: Instant,
    wait: Duration,
}

impl PassedOver {
    pub(super) fn new(now: Instant) -> PassedOver {
        PassedOver {
            next_look: now,
            wait: PASSED_OVER_FIRST_WAIT,
        }
    }

    /// A stream opened on `host`: when no running server ranks above it, the looks start
    /// afresh; otherwise their backoff stands (a server that answers a look but fails to
    /// play is not moved to every second).
    pub(super) fn opened(&mut self, host: cpal::HostId, servers: Servers, now: Instant) {
        if servers.best_above(host).is_none() {
            *self = PassedOver::new(now + PASSED_OVER_FIRST_WAIT);
        }
    }

    /// The best running server above `host`, if a look is due and it answers now.
    pub(super) fn answering(
        &mut self,
        host: cpal::HostId,
        servers: Servers,
        now: Instant,
    ) -> Option<cpal::HostId> {
        let better = servers.best_above(host)?;
        if now < self.next_look {
            return None;
        }
        self.next_look = now + self.wait;
        self.wait = (self.wait * 2).min(PASSED_OVER_MAX_WAIT);
        answers(better).then_some(better)
    }
}

/// Whether a new host of kind `id` connects and offers an output device within
/// [`ANSWER_TIMEOUT`] (a server that hangs is left to its helper thread).
fn answers(id: cpal::HostId) -> bool {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("attuned-servers".into())
        .spawn(move || {
            let answered = hosts::host(id)
                .ok()
                .is_some_and(|h| hosts::output_devices(&h).is_ok_and(|d| !d.is_empty()));
            let _ = tx.send(answered);
        });
    spawned.is_ok() && rx.recv_timeout(ANSWER_TIMEOUT).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cpal::HostId::{Alsa, PipeWire, PulseAudio};

    const PIPEWIRE_ONLY: Servers = Servers {
        pipewire: true,
        pulse: false,
    };

    #[test]
    fn only_servers_ranking_above_the_playing_host_count() {
        let both = Servers {
            pipewire: true,
            pulse: true,
        };
        assert_eq!(both.best_above(Alsa), Some(PipeWire));
        assert_eq!(both.best_above(PulseAudio), Some(PipeWire));
        assert_eq!(both.best_above(PipeWire), None);
        assert_eq!(PIPEWIRE_ONLY.best_above(Alsa), Some(PipeWire));
    }

    #[test]
    fn a_passed_over_server_is_asked_again_less_and_less_often() {
        // No PipeWire runs in unit tests: every look finds it silent. (With nothing above
        // the playing host, nothing is looked at.)
        let t0 = Instant::now();
        let mut passed = PassedOver::new(t0);
        assert_eq!(passed.answering(PipeWire, PIPEWIRE_ONLY, t0), None);
        assert_eq!(passed.next_look, t0);
        let mut looks = Vec::new();
        for tenth in 0..=300 {
            let now = t0 + Duration::from_millis(100 * tenth);
            let before = passed.next_look;
            assert_eq!(passed.answering(Alsa, PIPEWIRE_ONLY, now), None);
            if passed.next_look != before {
                looks.push(tenth);
            }
        }
        assert_eq!(looks, [0, 10, 30, 70, 150]);
        // A stream opening below a running server keeps the backoff; one on the best
        // server there is starts the looks afresh.
        let late = t0 + Duration::from_secs(30);
        passed.opened(Alsa, PIPEWIRE_ONLY, late);
        assert_eq!(passed.wait, Duration::from_secs(32));
        passed.opened(PipeWire, PIPEWIRE_ONLY, late);
        assert_eq!(passed.wait, PASSED_OVER_FIRST_WAIT);
        assert_eq!(passed.next_look, late + PASSED_OVER_FIRST_WAIT);
    }
}
