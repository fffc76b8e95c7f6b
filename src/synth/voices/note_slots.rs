//! Held chord tones with linear envelopes, shared by the sustained voices (the saw
//! ensemble under the pad and the choir, and the string section): which slot a new tone
//! takes, when each is released, and each envelope's line through a block.

/// A tone past its release point (or never started).
const RELEASED: u64 = u64::MAX;

/// Up to `N` tones: frequency, velocity, envelope, and the samples each is still held.
#[derive(Clone)]
pub struct NoteSlots<const N: usize> {
    pub freq: [f32; N],
    pub gain: [f32; N],
    pub env: [f32; N],
    target: [f32; N],
    /// The envelope's change a sample toward `target`.
    step: [f32; N],
    remaining: [u64; N],
    next: usize,
    sr: f32,
}

impl<const N: usize> NoteSlots<N> {
    /// Silent slots, tuned to `freq` until played.
    pub fn new(freq: f32, sr: f32) -> Self {
        NoteSlots {
            freq: [freq; N],
            gain: [0.0; N],
            env: [0.0; N],
            target: [0.0; N],
            step: [0.0; N],
            remaining: [RELEASED; N],
            next: 0,
            sr,
        }
    }

    /// Start a tone held for `samples`, rising over `attack_s`; the slot it took. The
    /// quietest slot, so a five-tone chord over a releasing one takes the tails that have
    /// faded furthest, never a tone still held (round robin from the last one taken).
    pub fn start(&mut self, freq: f32, velocity: f32, samples: u64, attack_s: f32) -> usize {
        let n = (0..N)
            .map(|k| (self.next + k) % N)
            .min_by(|&a, &b| {
                let held = |k: usize| self.remaining[k] != RELEASED;
                (held(a), self.env[a])
                    .partial_cmp(&(held(b), self.env[b]))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .unwrap_or(self.next);
        self.next = (n + 1) % N;
        self.freq[n] = freq;
        self.gain[n] = velocity;
        self.remaining[n] = samples;
        self.ramp(n, 1.0, attack_s);
        n
    }

    fn ramp(&mut self, n: usize, target: f32, seconds: f32) {
        self.target[n] = target;
        self.step[n] = (target - self.env[n]).abs() / (seconds * self.sr).max(1.0);
    }

    /// Count `len` samples off the held tones, releasing over `release_s` those whose time
    /// ran out (at the block in which it runs out, ≤ 1.3 ms late).
    pub fn advance(&mut self, len: usize, release_s: f32) {
        for n in 0..N {
            if self.remaining[n] == RELEASED {
                continue;
            }
            if self.remaining[n] <= len as u64 {
                self.remaining[n] = RELEASED;
                self.ramp(n, 0.0, release_s);
            } else {
                self.remaining[n] -= len as u64;
            }
        }
    }

    /// Tone `n` is heard (or about to be).
    pub fn is_sounding(&self, n: usize) -> bool {
        self.env[n] > 0.0 || self.target[n] > 0.0
    }

    pub fn any_sounding(&self) -> bool {
        (0..N).any(|n| self.is_sounding(n))
    }

    /// How many tones are held now (not releasing).
    pub fn held_count(&self) -> usize {
        self.remaining.iter().filter(|&&r| r != RELEASED).count()
    }

    /// No envelope is moving (every tone fully in, or fully out).
    pub fn settled(&self) -> bool {
        self.env.iter().zip(&self.target).all(|(e, t)| e == t)
    }

    /// Where tone `n`'s envelope is after `len` more samples: its line through the block,
    /// clamped at its target (a target reached mid-block is reached at the block's end
    /// instead, ≤ 1.3 ms late).
    pub fn env_end(&self, n: usize, len: usize) -> f32 {
        let (e, t, s) = (self.env[n], self.target[n], self.step[n] * len as f32);
        if e < t {
            (e + s).min(t)
        } else {
            (e - s).max(t)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_tone_takes_the_quietest_released_slot_never_a_held_one() {
        let mut s = NoteSlots::<3>::new(110.0, 1000.0);
        let a = s.start(220.0, 1.0, 10_000, 0.001);
        let b = s.start(330.0, 1.0, 10, 0.001);
        s.advance(5, 1.0);
        s.env = [1.0, 1.0, 0.0];
        // Slot 2 is silent and free: taken first.
        assert_eq!(s.start(440.0, 1.0, 10_000, 0.001), 2);
        s.advance(10, 1.0);
        assert_eq!(s.held_count(), 2, "the short tone released");
        // All taken; the released one (b) goes, not the held a or c.
        assert_eq!(s.start(550.0, 1.0, 100, 0.001), b);
        assert_ne!(a, b);
    }

    #[test]
    fn envelopes_rise_and_fall_on_their_lines_and_stop_at_their_targets() {
        let mut s = NoteSlots::<2>::new(110.0, 1000.0);
        let n = s.start(220.0, 0.5, 100, 0.1);
        assert!(s.is_sounding(n) && !s.settled());
        assert!(
            (s.env_end(n, 50) - 0.5).abs() < 1e-6,
            "halfway up after 50 ms"
        );
        assert_eq!(s.env_end(n, 500), 1.0, "clamped at the top");
        s.env[n] = 1.0;
        assert!(s.settled());
        s.advance(100, 0.2);
        assert_eq!(s.held_count(), 0);
        assert!(
            (s.env_end(n, 100) - 0.5).abs() < 1e-6,
            "halfway down after 100 ms"
        );
        assert_eq!(s.env_end(n, 1000), 0.0);
    }
}
