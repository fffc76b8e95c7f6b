//! The voices: pad, string section or choir for the chords; bells, plucked strings, mallets or piano
//! for the melody; bass, pulse, noise bed, reverb, and the soft keys a musician plays. Each
//! owns fixed-size state built before audio starts and mixes into a [`Bus`] for a run of
//! samples; [`choice`] holds the instrument a preset picks for each role.

#[cfg(test)]
mod band_limits;
pub mod bass;
pub mod bells;
pub mod choice;
pub mod choir;
pub mod grains;
pub mod kit;
pub mod mallet;
pub mod noise;
mod note_slots;
pub mod pad;
pub mod piano;
pub mod pluck;
pub mod pulse;
pub mod reverb;
pub mod saw_ensemble;
pub mod soft_keys;
pub mod strings;

/// Control-rate settings of a struck or plucked melody voice (bells, plucks, mallets).
#[derive(Clone, Copy)]
pub struct StrikeParams {
    pub level: f32,
    /// 0..1: how bright the strike is.
    pub brightness: f32,
    /// Seconds for a middle-register note to fall by 60 dB (bells: the decay's time
    /// constant).
    pub decay_s: f32,
    pub send: f32,
}

/// Largest run of samples rendered at once (fundsp's block size).
pub const MAX_BLOCK: usize = 64;

/// Tests: `seconds` at `sr` of what `block` renders onto a fresh bus each block (at
/// sample 0, [`MAX_BLOCK`] long), as the left and right channels.
#[cfg(test)]
pub(crate) fn render_blocks(
    seconds: f32,
    sr: f32,
    mut block: impl FnMut(&mut Bus),
) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = (Vec::new(), Vec::new());
    for _ in 0..(seconds * sr) as usize / MAX_BLOCK {
        let mut bus = Bus::default();
        block(&mut bus);
        l.extend_from_slice(&bus.l);
        r.extend_from_slice(&bus.r);
    }
    (l, r)
}

/// Stereo dry mix plus a stereo reverb send for one block.
#[derive(Clone)]
pub struct Bus {
    pub l: [f32; MAX_BLOCK],
    pub r: [f32; MAX_BLOCK],
    pub send_l: [f32; MAX_BLOCK],
    pub send_r: [f32; MAX_BLOCK],
}

impl Default for Bus {
    fn default() -> Self {
        Bus {
            l: [0.0; MAX_BLOCK],
            r: [0.0; MAX_BLOCK],
            send_l: [0.0; MAX_BLOCK],
            send_r: [0.0; MAX_BLOCK],
        }
    }
}

impl Bus {
    /// Zero the bus.
    pub fn clear(&mut self) {
        *self = Bus::default();
    }
    /// Add a run of stereo samples starting at `start`, with a reverb send amount: voices
    /// with many notes sum into a local block first and mix it in once.
    #[inline]
    pub fn mix(&mut self, start: usize, l: &[f32], r: &[f32], send: f32) {
        let end = start + l.len();
        let dry = self.l[start..end].iter_mut().zip(&mut self.r[start..end]);
        let wet = self.send_l[start..end]
            .iter_mut()
            .zip(&mut self.send_r[start..end]);
        for (((dl, dr), (wl, wr)), (&x, &y)) in dry.zip(wet).zip(l.iter().zip(r)) {
            *dl += x;
            *dr += y;
            *wl += x * send;
            *wr += y * send;
        }
    }
    /// Add a stereo sample at `i` with a reverb send amount.
    #[inline]
    pub fn add(&mut self, i: usize, l: f32, r: f32, send: f32) {
        self.l[i] += l;
        self.r[i] += r;
        self.send_l[i] += l * send;
        self.send_r[i] += r * send;
    }
}

/// Attack/release envelope with linear segments, evaluated per sample.
#[derive(Debug, Clone, Default)]
pub struct ArEnv {
    pub level: f32,
    target: f32,
    step: f32,
}

impl ArEnv {
    /// Move toward `target` over `samples`.
    pub fn go(&mut self, target: f32, samples: f32) {
        self.target = target;
        self.step = (target - self.level).abs() / samples.max(1.0);
    }
    /// Fill `out` with the next `out.len()` envelope values (a linear ramp toward the
    /// target, in closed form so the caller's loop over them vectorises).
    pub fn fill(&mut self, out: &mut [f32]) {
        let (level, target, step) = (self.level, self.target, self.step);
        if level < target {
            for (k, e) in out.iter_mut().enumerate() {
                *e = (level + step * (k + 1) as f32).min(target);
            }
        } else {
            for (k, e) in out.iter_mut().enumerate() {
                *e = (level - step * (k + 1) as f32).max(target);
            }
        }
        if let Some(&last) = out.last() {
            self.level = last;
        }
    }
    /// Silent and not moving.
    pub fn idle(&self) -> bool {
        self.level <= 0.0 && self.target <= 0.0
    }
}

/// Equal-power pan gains for `pan` in -1..1.
pub fn pan_gains(pan: f32) -> (f32, f32) {
    let a = (pan.clamp(-1.0, 1.0) + 1.0) * std::f32::consts::FRAC_PI_4;
    (a.cos(), a.sin())
}
