//! Birdsong that follows the sun: a few species, each drawn from the seed (its pitch,
//! sweep, trill, note length and phrase), sing phrases of FM chirps (a sine gliding
//! through its sweep with a trill on its frequency, a smooth swell and fall) from their own
//! places in the field. How often phrases start follows the sun: silent at night, the dawn
//! chorus as the sun comes up, a few by day, a short chorus at dusk. Motion makes them
//! livelier; space puts them farther off.

use super::{NatureParams, NatureReport};
use crate::synth::dsp::{NoiseRng, advance_phase, sin_turns};
use crate::synth::voices::{Bus, pan_gains};

const SPECIES: usize = 4;
const SINGERS: usize = 3;

/// How much birds sing at a solar elevation (degrees), rising or setting: phrases a
/// minute relative to the dawn chorus's.
pub fn song_activity(elevation_deg: f32, rising: bool) -> f32 {
    let e = elevation_deg;
    let ramp = |lo: f32, hi: f32| ((e - lo) / (hi - lo)).clamp(0.0, 1.0);
    if rising {
        // From nautical twilight up, peaking just after sunrise, settling by mid-morning.
        let up = ramp(-10.0, -3.0);
        let settle = ramp(8.0, 20.0);
        up * (1.0 - 0.75 * settle)
    } else {
        // Day level, a small rise around sunset, silent by dark.
        let down = ramp(-7.0, -1.0);
        let evening = 1.0 - ramp(2.0, 12.0);
        down * (0.25 + 0.2 * evening)
    }
}

/// Phrases a minute at full activity.
const DAWN_PHRASES_PER_MIN: f32 = 36.0;

#[derive(Clone, Copy, Default)]
struct Species {
    hz: f32,
    /// Octaves the chirp glides (negative: down).
    sweep: f32,
    trill_hz: f32,
    trill_depth: f32,
    note_s: f32,
    gap_s: f32,
    notes: u32,
    level: f32,
    pan: f32,
}

#[derive(Clone, Copy, Default)]
struct Singer {
    species: usize,
    notes_left: u32,
    /// Samples into the current note (negative: in the gap before it).
    t: f32,
    len: f32,
    dt: f32,
    glide: f32,
    phase: f32,
    trill_phase: f32,
    amp: f32,
    pan: (f32, f32),
}

#[derive(Clone)]
pub struct Birds {
    rng: NoiseRng,
    species: [Species; SPECIES],
    singers: [Singer; SINGERS],
    report: NatureReport,
    sr: f32,
}

impl Birds {
    pub fn new(seed: u64, sr: f32, report: NatureReport) -> Self {
        let mut rng = NoiseRng::new(seed);
        let species = std::array::from_fn(|_| Species {
            hz: 2000.0 * 2.2f32.powf(rng.unit() * 1.3),
            sweep: 1.2 * rng.bipolar(),
            trill_hz: if rng.unit() < 0.5 {
                0.0
            } else {
                20.0 + 45.0 * rng.unit()
            },
            trill_depth: 0.03 + 0.08 * rng.unit(),
            note_s: 0.04 + 0.14 * rng.unit(),
            gap_s: 0.03 + 0.1 * rng.unit(),
            notes: 2 + (rng.unit() * 7.0) as u32,
            level: 0.5 + 0.5 * rng.unit(),
            pan: 0.85 * rng.bipolar(),
        });
        Birds {
            rng,
            species,
            singers: [Singer::default(); SINGERS],
            report,
            sr,
        }
    }

    fn next_note(&mut self, k: usize) {
        let s = self.species[self.singers[k].species];
        let u = self.rng.unit();
        let hz = s.hz * (1.0 + 0.08 * self.rng.bipolar());
        let len = s.note_s * (0.8 + 0.4 * u) * self.sr;
        let singer = &mut self.singers[k];
        singer.notes_left -= 1;
        singer.t = -(s.gap_s * (0.7 + 0.6 * self.rng.unit()) * self.sr);
        singer.len = len;
        singer.dt = hz / self.sr;
        singer.glide = 2f32.powf(s.sweep / len);
        singer.amp = s.level * (0.6 + 0.4 * self.rng.unit());
    }

    fn start_phrase(&mut self) {
        let Some(k) = self
            .singers
            .iter()
            .position(|s| s.notes_left == 0 && s.t >= s.len)
        else {
            return;
        };
        let species = (self.rng.unit() * SPECIES as f32) as usize % SPECIES;
        let s = self.species[species];
        self.singers[k] = Singer {
            species,
            notes_left: s.notes + (self.rng.unit() * 3.0) as u32,
            pan: pan_gains((s.pan + 0.15 * self.rng.bipolar()).clamp(-1.0, 1.0)),
            ..Singer::default()
        };
        self.next_note(k);
        self.report.bird_phrase();
    }

    pub fn render(
        &mut self,
        level: f32,
        p: &NatureParams,
        bus: &mut Bus,
        start: usize,
        len: usize,
    ) {
        let activity = song_activity(p.sun_elevation, p.sun_rising) * (0.6 + 0.8 * p.motion);
        let chance = activity * DAWN_PHRASES_PER_MIN / 60.0 * len as f32 / self.sr;
        if self.rng.unit() < chance {
            self.start_phrase();
        }
        let amp = level * 0.17 * (1.0 - 0.4 * p.space);
        let send = p.send();
        for k in 0..SINGERS {
            if self.singers[k].notes_left == 0 && self.singers[k].t >= self.singers[k].len {
                continue;
            }
            let trill = self.species[self.singers[k].species];
            for i in start..start + len {
                let s = &mut self.singers[k];
                if s.t >= 0.0 && s.t < s.len {
                    let x = s.t / s.len;
                    let env = sin_turns(0.5 * x);
                    let y = sin_turns(s.phase) * env * env * s.amp * amp;
                    let vibrato = 1.0 + trill.trill_depth * sin_turns(s.trill_phase);
                    s.phase = advance_phase(s.phase, (s.dt * vibrato).min(0.45));
                    s.trill_phase = advance_phase(s.trill_phase, trill.trill_hz / self.sr);
                    s.dt *= s.glide;
                    bus.add(i, y * s.pan.0, y * s.pan.1, send);
                }
                s.t += 1.0;
                if s.t >= s.len && s.notes_left > 0 {
                    self.next_note(k);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dawn_chorus_is_loudest_and_night_is_silent() {
        let night = song_activity(-20.0, true);
        let dawn = song_activity(2.0, true);
        let noon = song_activity(50.0, false);
        let dusk = song_activity(1.0, false);
        assert_eq!(night, 0.0);
        assert_eq!(song_activity(-15.0, false), 0.0);
        assert!(dawn > 0.9, "{dawn}");
        assert!(noon > 0.1 && noon < 0.4 * dawn, "{noon}");
        assert!(dusk > noon && dusk < dawn, "{dusk}");
    }
}
