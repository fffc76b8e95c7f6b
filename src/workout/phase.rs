//! Footfall phase from notification timing.
//!
//! BLE running pods send cadence, not step events. What they do carry is *when* they
//! notify: accelerometer pods update their measurement as they detect a stride and notify
//! at the next connection event, so notification times fall a fixed latency after a
//! footfall, give or take the connection interval. This tracker tests that assumption
//! rather than trusting it: it predicts each notification from the last footfall estimate
//! and the step period, and only claims a phase lock while the predictions keep landing
//! within a small fraction of a step. A pod that notifies on its own clock (say exactly
//! 1 Hz) spreads its notifications over the step cycle, fails the test, and the follower
//! then matches tempo only; the phase it reports is "free". The blind spot: a clock pod
//! whose rate is an exact multiple of the step rate (1 Hz at exactly 180 spm) looks
//! step-synchronous until the cadence drifts.

/// Fraction of the period a notification may miss its prediction and still count.
const GATE: f64 = 0.25;
/// Mean miss (fraction of a period) below which the notifications are step-synchronous.
const LOCK_BELOW: f64 = 0.07;
/// Lowest gains of the alpha-beta tracker (phase, period): a fit over the last several
/// strides, which averages the footfall and radio jitter down. Until it has that many it
/// fits all it has (least squares on a line), so the first strides lock it fast.
const ALPHA_MIN: f64 = 0.35;
const BETA_MIN: f64 = 0.1;
/// Weight of the pod's own latest cadence in each period update: it measures the last
/// stride directly, so it follows pace changes without the tracker's lag.
const CADENCE_WEIGHT: f64 = 0.25;
/// The tracked period may differ from the (smoothed) reported cadence by this fraction at
/// most: the pod's cadence is a whole number per minute measured over a stride or two, so
/// the timing refines it, but must not wander off from it.
const PERIOD_SLACK: f64 = 0.04;
/// Smoothing of the reported cadence (weight of each new reading).
const REPORTED_WEIGHT: f64 = 0.3;
/// After this many seconds without a notification the phase is forgotten.
const GAP_S: f64 = 3.0;

/// The footfall estimate.
#[derive(Debug, Clone, Default)]
pub struct PhaseTracker {
    /// Time of the last footfall estimate (seconds) and its index (counted since start).
    last: Option<(f64, i64)>,
    period: f64,
    /// The reported step period, smoothed (seconds).
    reported: f64,
    /// Exponential mean of |miss| / period.
    miss: f64,
    /// The last notification time, and the exponential mean of how far the notification
    /// intervals are from a whole number of reported steps (a clock pod's are not).
    last_notify: Option<f64>,
    grid_miss: f64,
    hits: u32,
}

impl PhaseTracker {
    /// A notification at `at` (seconds, latency already removed) with the cadence it
    /// reported (steps per minute, > 0).
    pub fn notify(&mut self, at: f64, per_minute: f32) {
        let now = 60.0 / per_minute.max(1.0) as f64;
        let Some((last, index)) = self.last.filter(|&(t, _)| at - t < GAP_S && at > t) else {
            self.restart(at, now, 0);
            return;
        };
        self.reported += REPORTED_WEIGHT * (now - self.reported);
        let reported = self.reported;
        if let Some(prev) = self.last_notify.replace(at) {
            let x = (at - prev) / reported;
            self.grid_miss = 0.75 * self.grid_miss + 0.25 * (x - x.round()).abs();
        }
        if (self.period / now - 1.0).abs() > 2.0 * PERIOD_SLACK {
            // The pace changed a lot (a confirmed jump): start the estimate again, counting
            // the steps since the last footfall so the foot parity (half time) survives.
            let steps = ((at - last) / self.period).round().max(1.0) as i64;
            self.restart(at, now, index + steps);
            return;
        }
        let steps = ((at - last) / self.period).round().max(1.0);
        let predicted = last + steps * self.period;
        let miss = at - predicted;
        let rel = miss / self.period;
        self.miss = 0.75 * self.miss + 0.25 * rel.abs().min(0.5);
        if rel.abs() > GATE {
            self.hits = 0;
            self.last = Some((at, index + steps as i64));
            return;
        }
        self.hits += 1;
        let n = (self.hits + 1) as f64;
        let alpha = (2.0 * (2.0 * n - 1.0) / (n * (n + 1.0))).max(ALPHA_MIN);
        let beta = (6.0 / (n * (n + 1.0))).max(BETA_MIN);
        self.last = Some((predicted + alpha * miss, index + steps as i64));
        let period = self.period + beta * miss / steps;
        let period = period + CADENCE_WEIGHT * (now - period);
        self.period = period.clamp(
            reported * (1.0 - PERIOD_SLACK),
            reported * (1.0 + PERIOD_SLACK),
        );
    }

    fn restart(&mut self, at: f64, period: f64, index: i64) {
        self.last = Some((at, index));
        self.last_notify = Some(at);
        self.period = period;
        self.reported = period;
        self.hits = 0;
        self.miss = 0.0;
        self.grid_miss = 0.0;
    }

    /// Forget the phase (the listener stopped or the sensor went quiet).
    pub fn reset(&mut self) {
        self.last = None;
        self.hits = 0;
    }

    /// Whether notifications are landing on predicted footfalls.
    pub fn locked(&self) -> bool {
        self.last.is_some()
            && self.hits >= 2
            && self.miss < LOCK_BELOW
            && self.grid_miss < LOCK_BELOW
    }

    /// The step period in seconds (0 before the first notification).
    pub fn period(&self) -> f64 {
        self.period
    }

    /// Steps per minute from the footfall timing, while it is trustworthy (locked).
    pub fn steps_per_minute(&self) -> Option<f64> {
        (self.locked() && self.period > 0.0).then(|| 60.0 / self.period)
    }

    /// Mean miss of the predictions, as a fraction of a step.
    pub fn miss(&self) -> f64 {
        self.miss
    }

    /// The first predicted footfall at or after `t` whose index is a multiple of `every`
    /// (so the beat keeps landing on the same foot when it falls on every second step).
    pub fn next_footfall(&self, t: f64, every: i64) -> Option<f64> {
        let (last, index) = self.last?;
        if self.period <= 0.0 {
            return None;
        }
        let mut k = ((t - last) / self.period).ceil().max(0.0) as i64;
        let every = every.max(1);
        k += (every - (index + k).rem_euclid(every)) % every;
        Some(last + k as f64 * self.period)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stride_synchronous_notifications_lock_and_predict_footfalls() {
        let mut p = PhaseTracker::default();
        let period = 60.0 / 170.0;
        for k in 0..10 {
            // One notification per stride (every second step), 15 ms after the footfall.
            let jitter = [0.004, -0.003, 0.002, -0.005, 0.0][k % 5];
            p.notify(2.0 * k as f64 * period + jitter, 170.0);
        }
        assert!(p.locked(), "miss {}", p.miss());
        let next = p.next_footfall(20.0 * period + 0.01, 1).unwrap();
        assert!((next - 21.0 * period).abs() < 0.01, "{next}");
        let even = p.next_footfall(20.0 * period + 0.01, 2).unwrap();
        assert!((even - 22.0 * period).abs() < 0.01, "{even}");
    }

    #[test]
    fn a_pod_on_its_own_clock_never_claims_a_phase() {
        let mut p = PhaseTracker::default();
        for k in 0..30 {
            p.notify(k as f64, 170.0);
        }
        assert!(!p.locked(), "miss {}", p.miss());
        assert!((p.period() - 60.0 / 170.0).abs() / (60.0 / 170.0) <= PERIOD_SLACK + 1e-9);
    }
}
