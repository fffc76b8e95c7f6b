//! The latest-value channel from the sensor tasks to the control loop.
//!
//! Each sensor task overwrites its part (heart, or cadence) and the control loop takes what
//! is new at its own pace (10 Hz). One value per part: a slow reader never builds a backlog
//! and a fast sensor never waits. Straps notify at 1–4 Hz, so at 10 Hz the loop sees every
//! heart notification in practice; if two arrive between takes, the older one's RR
//! intervals are dropped, which RMSSD over a 60 s window does not notice.

use super::Reading;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::watch;

/// A heart-rate notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Heart {
    pub bpm: f32,
    pub rr_ms: Vec<f32>,
    pub contact: Option<bool>,
}

#[derive(Debug, Clone, Default)]
struct Latest {
    seq: u64,
    heart: Option<(u64, Heart)>,
    /// With its arrival: the workout follower times footfalls from it, so it must not
    /// wait for the control loop's next tick to be stamped.
    cadence: Option<(u64, f32, Instant)>,
}

/// The sensor tasks' end (cheap to clone, one per task).
#[derive(Clone)]
pub struct FeedSender(Arc<watch::Sender<Latest>>);

/// The control loop's end.
pub struct FeedReceiver {
    rx: watch::Receiver<Latest>,
    seen: u64,
    last_at: f64,
}

/// A new channel.
pub fn channel() -> (FeedSender, FeedReceiver) {
    let (tx, rx) = watch::channel(Latest::default());
    (
        FeedSender(Arc::new(tx)),
        FeedReceiver {
            rx,
            seen: 0,
            last_at: f64::NEG_INFINITY,
        },
    )
}

impl FeedSender {
    pub fn heart(&self, h: Heart) {
        self.0.send_modify(|l| {
            l.seq += 1;
            l.heart = Some((l.seq, h));
        });
    }

    /// Cadence in steps (or crank revolutions) per minute.
    pub fn cadence(&self, per_minute: f32) {
        self.0.send_modify(|l| {
            l.seq += 1;
            l.cadence = Some((l.seq, per_minute, Instant::now()));
        });
    }
}

impl FeedReceiver {
    /// Wait until something new arrives, without taking it (forever once every sender is
    /// gone): a paused daemon wakes for readings, never on a timer.
    pub async fn arrived(&mut self) {
        if self.rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
        // `changed` marked it seen; `take` is what takes it.
        self.rx.mark_changed();
    }

    /// What arrived since the last take, as one reading stamped `at` (the session time
    /// now), or when a new cadence arrived if there is one (never before an earlier
    /// reading); `None` if nothing did.
    pub fn take(&mut self, at: f64) -> Option<Reading> {
        if !self.rx.has_changed().unwrap_or(false) {
            return None;
        }
        let latest = self.rx.borrow_and_update();
        let mut r = Reading {
            at,
            ..Reading::default()
        };
        let mut any = false;
        if let Some((seq, h)) = &latest.heart
            && *seq > self.seen
        {
            r.hr = Some(h.bpm);
            r.rr_ms.clone_from(&h.rr_ms);
            r.contact = h.contact;
            any = true;
        }
        if let Some((seq, c, arrived)) = latest.cadence
            && seq > self.seen
        {
            r.cadence = Some(c);
            r.at = (at - arrived.elapsed().as_secs_f64()).max(self.last_at);
            any = true;
        }
        self.seen = latest.seq;
        if any {
            self.last_at = r.at;
        }
        any.then_some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heart(bpm: f32) -> Heart {
        Heart {
            bpm,
            rr_ms: vec![60_000.0 / bpm],
            contact: Some(true),
        }
    }

    #[tokio::test]
    async fn arrived_wakes_for_a_reading_and_leaves_it_to_take() {
        let (tx, mut rx) = channel();
        tx.heart(heart(72.0));
        rx.arrived().await;
        assert_eq!(rx.take(1.0).map(|r| r.hr), Some(Some(72.0)));
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(20), rx.arrived());
        assert!(waiting.await.is_err(), "nothing new: it waits");
        drop(tx);
        let closed = tokio::time::timeout(std::time::Duration::from_millis(20), rx.arrived());
        assert!(
            closed.await.is_err(),
            "no senders: it waits forever, never spins"
        );
    }

    #[test]
    fn takes_only_what_is_new_and_merges_parts() {
        let (tx, mut rx) = channel();
        assert_eq!(rx.take(0.0), None);
        tx.heart(heart(60.0));
        tx.cadence(170.0);
        let r = rx.take(1.0).unwrap();
        assert_eq!((r.hr, r.cadence), (Some(60.0), Some(170.0)));
        assert!((0.9..=1.0).contains(&r.at), "stamped on arrival: {}", r.at);
        assert_eq!(r.rr_ms, vec![1000.0]);
        assert_eq!(rx.take(1.1), None);
        tx.cadence(172.0);
        std::thread::sleep(std::time::Duration::from_millis(50));
        let r = rx.take(1.2).unwrap();
        assert_eq!((r.hr, r.cadence), (None, Some(172.0)));
        assert!(
            r.at < 1.16 && r.at >= 1.0,
            "arrived ~50 ms before the take: {}",
            r.at
        );
        tx.heart(heart(61.0));
        assert_eq!(rx.take(1.3).unwrap().at, 1.3);
    }

    #[test]
    fn latest_value_wins_without_backlog() {
        let (tx, mut rx) = channel();
        for bpm in 60..160 {
            tx.heart(heart(bpm as f32));
        }
        assert_eq!(rx.take(0.0).unwrap().hr, Some(159.0));
        assert_eq!(rx.take(0.1), None);
    }
}
