//! Heart measures from raw readings: artifact-filtered RR intervals, RMSSD, and the
//! heart-rate trend as a least-squares slope.

/// Shortest and longest plausible RR interval in ms (200 and 30 bpm).
pub const RR_RANGE_MS: (f32, f32) = (300.0, 2000.0);
/// An RR interval differing from the last accepted one by more than this fraction is an
/// artifact (a missed or extra beat): the Malik criterion.
pub const RR_MAX_CHANGE: f32 = 0.2;

/// Accepts or rejects RR intervals one by one and keeps the accepted ones, each marked
/// whether its predecessor was accepted too (only such pairs enter RMSSD).
#[derive(Debug, Clone, Default)]
pub struct RrFilter {
    last: Option<f32>,
    /// Rejections since creation.
    pub rejected: u64,
}

impl RrFilter {
    /// `Some(successive)` if `rr_ms` is accepted; `None` if it is an artifact.
    pub fn accept(&mut self, rr_ms: f32) -> Option<bool> {
        let plausible = rr_ms.is_finite() && (RR_RANGE_MS.0..=RR_RANGE_MS.1).contains(&rr_ms);
        let consistent = match self.last {
            Some(prev) => ((rr_ms - prev) / prev).abs() <= RR_MAX_CHANGE,
            None => true,
        };
        if plausible && consistent {
            let successive = self.last.is_some();
            self.last = Some(rr_ms);
            Some(successive)
        } else {
            self.rejected += 1;
            // A missed beat breaks the chain, but a run of rejections must not lock the
            // filter onto a stale reference: after one rejection start afresh.
            self.last = None;
            None
        }
    }
}

/// RMSSD (ms) over intervals `(rr_ms, successive)`: the root mean square of differences
/// between successive accepted intervals. `None` with fewer than `min_pairs` pairs.
pub fn rmssd(intervals: impl Iterator<Item = (f32, bool)>, min_pairs: usize) -> Option<f32> {
    let mut prev: Option<f32> = None;
    let (mut sum, mut n) = (0.0f64, 0usize);
    for (rr, successive) in intervals {
        if let (Some(p), true) = (prev, successive) {
            let d = (rr - p) as f64;
            sum += d * d;
            n += 1;
        }
        prev = Some(rr);
    }
    (n >= min_pairs).then(|| (sum / n as f64).sqrt() as f32)
}

/// Least-squares slope of `(seconds, bpm)` points, in bpm per minute; `None` with fewer
/// than 3 points or a time span under `min_span_s`.
pub fn trend_bpm_per_min(
    points: impl Iterator<Item = (f64, f32)> + Clone,
    min_span_s: f64,
) -> Option<f32> {
    let (mut n, mut st, mut sy) = (0.0f64, 0.0f64, 0.0f64);
    let (mut t_min, mut t_max) = (f64::INFINITY, f64::NEG_INFINITY);
    for (t, y) in points.clone() {
        n += 1.0;
        st += t;
        sy += y as f64;
        t_min = t_min.min(t);
        t_max = t_max.max(t);
    }
    if n < 3.0 || t_max - t_min < min_span_s {
        return None;
    }
    let (mt, my) = (st / n, sy / n);
    let (mut cov, mut var) = (0.0, 0.0);
    for (t, y) in points {
        cov += (t - mt) * (y as f64 - my);
        var += (t - mt) * (t - mt);
    }
    Some((cov / var * 60.0) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rmssd_matches_hand_computation() {
        // Differences 20, −10, 30 → sqrt((400 + 100 + 900) / 3) = sqrt(466.67) = 21.602.
        let rr = [800.0, 820.0, 810.0, 840.0].map(|r| (r, true));
        let v = rmssd(rr.into_iter(), 3).unwrap();
        assert!((v - 21.602).abs() < 1e-3, "{v}");
        assert_eq!(rmssd(rr.into_iter(), 4), None);
    }

    #[test]
    fn missed_beat_is_filtered_and_breaks_the_pair() {
        let mut f = RrFilter::default();
        let mut kept = Vec::new();
        // 1600 ms is a missed beat between two ~800 ms beats; 250 is implausible.
        for rr in [800.0, 810.0, 1600.0, 805.0, 815.0, 250.0, 820.0] {
            if let Some(successive) = f.accept(rr) {
                kept.push((rr, successive));
            }
        }
        assert_eq!(
            kept,
            vec![
                (800.0, false),
                (810.0, true),
                (805.0, false),
                (815.0, true),
                (820.0, false)
            ]
        );
        assert_eq!(f.rejected, 2);
        // Only the pairs 800→810 and 805→815: sqrt((100 + 100) / 2) = 10.
        assert_eq!(rmssd(kept.into_iter(), 1), Some(10.0));
    }

    #[test]
    fn trend_is_the_least_squares_slope() {
        // 60 → 66 bpm over 60 s in a straight line: 6 bpm/min.
        let pts: Vec<(f64, f32)> = (0..=60)
            .map(|s| (s as f64, 60.0 + s as f32 * 0.1))
            .collect();
        let t = trend_bpm_per_min(pts.iter().copied(), 20.0).unwrap();
        assert!((t - 6.0).abs() < 1e-4, "{t}");
        // Hand-computed: points (0,70), (10,72), (20,71), (30,75): slope = cov/var = 70/500 = 0.14 bpm/s = 8.4/min.
        let pts = [(0.0, 70.0), (10.0, 72.0), (20.0, 71.0), (30.0, 75.0)];
        let t = trend_bpm_per_min(pts.iter().copied(), 20.0).unwrap();
        assert!((t - 8.4).abs() < 1e-4, "{t}");
        assert_eq!(trend_bpm_per_min(pts[..2].iter().copied(), 5.0), None);
    }
}
