//! The composer: harmony, phrases and rhythm on a sample-accurate beat clock.
//!
//! It thinks in bars. At each bar line it writes that bar's notes (chord tones for the
//! pad, the bass line, the melody from a developing motif, the pulse pattern) into a
//! fixed-capacity queue as beat positions; the graph asks how many samples remain to
//! the next note, renders exactly that many, and fires the note on its sample. Tempo
//! can change at any block; the clock counts samples, never wall time. Seeded: the same
//! seed and inputs give the same notes.

use super::params::{Param, ParamValues};
use super::preset::{Preset, PulseKind};
use super::scale::Scale;
use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg32;

/// Which voice a note is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VoiceKind {
    Pad,
    Bells,
    Bass,
    Pulse,
}

impl VoiceKind {
    /// MIDI channel used in exports.
    pub fn channel(self) -> u8 {
        match self {
            VoiceKind::Pad => 0,
            VoiceKind::Bells => 1,
            VoiceKind::Bass => 2,
            VoiceKind::Pulse => 9,
        }
    }
}

/// A note the composer fired, as recorded for MIDI export and analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoteEvent {
    /// Sample at which it sounded, counted from the start of the preset.
    pub sample: u64,
    /// Beat position of the note on the composer's clock.
    pub beat: f64,
    pub voice: VoiceKind,
    /// MIDI note number (nearest key in just tuning).
    pub midi: i32,
    pub freq: f32,
    pub velocity: f32,
    /// Length in beats.
    pub beats: f32,
    /// Length in samples at the tempo when it sounded.
    pub length: u64,
    pub pan: f32,
}

#[derive(Debug, Clone, Copy)]
struct Scheduled {
    beat: f64,
    voice: VoiceKind,
    step: i32,
    velocity: f32,
    beats: f32,
    pan: f32,
}

#[derive(Debug, Clone, Copy, Default)]
struct MotifNote {
    /// Position in eighth notes from the bar line.
    pos8: u32,
    /// Contour in scale steps relative to the chord root.
    offset: i32,
    len8: u32,
    /// A note sounds when `weight < density`: raising density fills the motif in.
    weight: f32,
}

const MAX_MOTIF: usize = 16;
const QUEUE: usize = 256;

/// The composer state.
#[derive(Clone)]
pub struct Composer {
    rng: Pcg32,
    scale: Scale,
    progression: Vec<i32>,
    bars_per_chord: u32,
    bpb: u32,
    phrase_bars: u32,
    melody_base: i32,
    pulse: PulseKind,
    beat: f64,
    bar: u64,
    queue: Vec<Scheduled>,
    next_index: usize,
    chord_index: usize,
    chord_root: i32,
    voicing: [i32; 4],
    motif: [MotifNote; MAX_MOTIF],
    motif_len: usize,
    phrase_rest: bool,
    last_rest: bool,
}

impl Composer {
    /// A composer for `preset`, seeded.
    pub fn new(preset: &Preset, seed: u64) -> Self {
        let n = preset.scale.len();
        let mut c = Composer {
            rng: Pcg32::seed_from_u64(seed),
            scale: preset.scale,
            progression: preset.progression.clone(),
            bars_per_chord: preset.bars_per_chord,
            bpb: preset.beats_per_bar,
            phrase_bars: preset.phrase_bars,
            melody_base: n * (preset.melody_octave + 1),
            pulse: preset.pulse,
            beat: 0.0,
            bar: 0,
            queue: Vec::with_capacity(QUEUE),
            next_index: 0,
            chord_index: 0,
            chord_root: preset.progression[0],
            voicing: [0, 2, 4, 7],
            motif: [MotifNote::default(); MAX_MOTIF],
            motif_len: 0,
            phrase_rest: false,
            last_rest: false,
        };
        c.new_motif(0.5);
        c
    }

    /// The scale notes are drawn from.
    pub fn scale(&self) -> &Scale {
        &self.scale
    }

    /// Current beat position.
    pub fn beat(&self) -> f64 {
        self.beat
    }

    fn unit(&mut self) -> f32 {
        (self.rng.next_u32() >> 8) as f32 / 16_777_216.0
    }

    fn below(&mut self, n: u32) -> u32 {
        self.rng.next_u32() % n.max(1)
    }

    /// Samples until the next scheduled note or bar line, at `samples_per_beat`.
    pub fn samples_to_next(&self, samples_per_beat: f64) -> u64 {
        let target = match self.queue.get(self.next_index) {
            Some(s) => s.beat,
            None => ((self.bar + 1) * self.bpb as u64) as f64,
        };
        ((target - self.beat) * samples_per_beat).ceil().max(1.0) as u64
    }

    /// Move the clock on by `samples`.
    pub fn advance(&mut self, samples: u64, samples_per_beat: f64) {
        self.beat += samples as f64 / samples_per_beat;
    }

    /// The next note due at the current clock position, writing the bar first if needed.
    pub fn pop_due(&mut self, params: &ParamValues) -> Option<NoteEventSpec> {
        if self.bar == 0 && self.queue.is_empty() {
            self.write_bar(params);
        }
        loop {
            if let Some(s) = self.queue.get(self.next_index) {
                if s.beat <= self.beat + 1e-9 {
                    self.next_index += 1;
                    return Some(NoteEventSpec {
                        beat: s.beat,
                        voice: s.voice,
                        midi: self.scale.midi(s.step),
                        freq: self.scale.freq(s.step),
                        velocity: s.velocity,
                        beats: s.beats,
                        pan: s.pan,
                    });
                }
                return None;
            }
            let next_bar_beat = ((self.bar + 1) * self.bpb as u64) as f64;
            if self.beat + 1e-9 >= next_bar_beat {
                self.bar += 1;
                self.write_bar(params);
            } else {
                return None;
            }
        }
    }

    fn push(&mut self, s: Scheduled) {
        if self.queue.len() < QUEUE {
            self.queue.push(s);
        }
    }

    /// Write all notes of bar `self.bar` into the queue, sorted by beat.
    fn write_bar(&mut self, p: &ParamValues) {
        self.queue.clear();
        self.next_index = 0;
        let n = self.scale.len();
        let bar_beat = (self.bar * self.bpb as u64) as f64;
        let tension = p.get(Param::HarmonyTension);
        let new_chord = self.bar.is_multiple_of(self.bars_per_chord as u64);

        if new_chord {
            if self.bar > 0 {
                self.chord_index = (self.chord_index + 1) % self.progression.len();
            }
            let mut root = self.progression[self.chord_index];
            // Substitution: a chord a third away shares two tones; more likely with tension.
            if self.bar > 0 && self.unit() < 0.25 * tension {
                root += if self.unit() < 0.5 { 2 } else { -2 };
            }
            self.chord_root = root.rem_euclid(n);
            self.voice_chord(tension);
            let chord_beats = (self.bars_per_chord * self.bpb) as f32;
            for k in 0..4 {
                if k == 3 && self.voicing[3] == i32::MIN {
                    continue;
                }
                let step = self.voicing[k];
                let vel = 0.6 + 0.2 * self.unit();
                let pan = [-0.5, 0.4, -0.2, 0.6][k];
                self.push(Scheduled {
                    beat: bar_beat + 0.02 * k as f64,
                    voice: VoiceKind::Pad,
                    step,
                    velocity: vel,
                    beats: chord_beats + 0.5,
                    pan,
                });
            }
        }

        // Bass: held root on chord changes; with a beat, a root pulse on every beat.
        let bass_step = self.chord_root - n;
        if self.pulse == PulseKind::Kick {
            for b in 0..self.bpb {
                let step = if b % 2 == 1 && self.unit() < 0.3 {
                    bass_step + 4.min(n - 1)
                } else {
                    bass_step
                };
                let vel = if b == 0 { 0.9 } else { 0.7 + 0.1 * self.unit() };
                self.push(Scheduled {
                    beat: bar_beat + b as f64,
                    voice: VoiceKind::Bass,
                    step,
                    velocity: vel,
                    beats: 0.7,
                    pan: 0.0,
                });
            }
        } else if new_chord {
            let beats = (self.bars_per_chord * self.bpb) as f32 - 0.25;
            self.push(Scheduled {
                beat: bar_beat,
                voice: VoiceKind::Bass,
                step: bass_step,
                velocity: 0.8,
                beats,
                pan: 0.0,
            });
        }

        // Pulse.
        let energy_hint = p.get(Param::PulseLevel);
        match self.pulse {
            PulseKind::None => {}
            PulseKind::Kick => {
                for b in 0..self.bpb {
                    let vel = if b == 0 {
                        1.0
                    } else {
                        0.75 + 0.1 * self.unit()
                    };
                    self.push(Scheduled {
                        beat: bar_beat + b as f64,
                        voice: VoiceKind::Pulse,
                        step: -2 * n,
                        velocity: vel,
                        beats: 0.25,
                        pan: 0.0,
                    });
                }
            }
            PulseKind::Tick => {
                for b in 0..self.bpb {
                    let vel = if b == 0 {
                        0.9
                    } else {
                        0.6 + 0.15 * self.unit()
                    };
                    self.push(Scheduled {
                        beat: bar_beat + b as f64,
                        voice: VoiceKind::Pulse,
                        step: 3 * n,
                        velocity: vel,
                        beats: 0.1,
                        pan: 0.0,
                    });
                    if self.unit() < energy_hint * 1.5 {
                        self.push(Scheduled {
                            beat: bar_beat + b as f64 + 0.5,
                            voice: VoiceKind::Pulse,
                            step: 3 * n,
                            velocity: 0.4,
                            beats: 0.1,
                            pan: 0.0,
                        });
                    }
                }
            }
        }

        // Melody: a motif developed phrase by phrase.
        let phrase_pos = (self.bar % self.phrase_bars as u64) as i32;
        if phrase_pos == 0 && self.bar > 0 {
            self.develop(p);
        }
        if !self.phrase_rest {
            let density = p.get(Param::MelodyDensity);
            // Sequence: later bars of a phrase sit a step higher or lower.
            let seq = if phrase_pos % 2 == 1 {
                if self.unit() < 0.5 { 1 } else { -1 }
            } else {
                0
            };
            for i in 0..self.motif_len {
                let m = self.motif[i];
                if m.weight >= density {
                    continue;
                }
                let mut step = self.melody_base + self.chord_root + m.offset + seq;
                if m.pos8.is_multiple_of(4) {
                    step = self.nearest_chord_tone(step);
                }
                let accent = if m.pos8 == 0 {
                    0.25
                } else if m.pos8.is_multiple_of(2) {
                    0.1
                } else {
                    0.0
                };
                let vel = 0.5 + accent + 0.2 * self.unit();
                let pan = self.unit() * 1.2 - 0.6;
                self.push(Scheduled {
                    beat: bar_beat + m.pos8 as f64 * 0.5,
                    voice: VoiceKind::Bells,
                    step,
                    velocity: vel,
                    beats: m.len8 as f32 * 0.5,
                    pan,
                });
            }
        }
        self.queue.sort_by(|a, b| a.beat.total_cmp(&b.beat));
    }

    fn nearest_chord_tone(&self, step: i32) -> i32 {
        let n = self.scale.len();
        let rel = (step - self.chord_root).rem_euclid(n);
        let base = step - rel;
        [0, 2, 4, n]
            .iter()
            .map(|t| base + t)
            .min_by_key(|s| (s - step).abs())
            .unwrap_or(step)
    }

    /// Choose a voicing of the current chord close to the last one (voice leading), with
    /// a seventh or a suspension as tension rises.
    fn voice_chord(&mut self, tension: f32) {
        let n = self.scale.len();
        let r = self.chord_root;
        let mut tones = [r, r + 2, r + 4, i32::MIN];
        if tension > 0.35 && self.unit() < tension {
            tones[3] = r + 6;
        }
        if tension > 0.6 && self.unit() < tension - 0.4 {
            tones[1] = r + 3; // sus
        }
        let prev_center: i32 = self.voicing[..3].iter().sum::<i32>() / 3;
        for t in tones.iter_mut().take(3) {
            // Put each tone in the octave nearest the previous chord's centre.
            let mut s = *t;
            while s - prev_center > n / 2 {
                s -= n;
            }
            while prev_center - s > n / 2 {
                s += n;
            }
            // Keep the pad in its register (root octave ± one octave).
            s = s.clamp(-2, 2 * n);
            *t = s;
        }
        if tones[3] != i32::MIN {
            tones[3] = tones[0] + 6;
        }
        if self.unit() < 0.3 {
            tones[0] += n; // open voicing now and then
        }
        self.voicing = tones;
    }

    fn new_motif(&mut self, leap: f32) {
        let slots = 2 * self.bpb;
        let mut len = 0;
        let mut offset = 0i32;
        let mut pos = 0;
        while pos < slots && len < MAX_MOTIF {
            let keep = pos == 0 || self.unit() < 0.55;
            let dur = 1 + self.below(3);
            if keep {
                let weight = if pos == 0 {
                    0.0
                } else if pos % 2 == 0 {
                    self.unit() * 0.6
                } else {
                    0.3 + self.unit() * 0.7
                };
                self.motif[len] = MotifNote {
                    pos8: pos,
                    offset,
                    len8: dur,
                    weight,
                };
                len += 1;
                let jump = if self.unit() < leap {
                    2 + self.below(3) as i32
                } else {
                    1
                };
                offset = (offset + if self.unit() < 0.5 { jump } else { -jump }).clamp(-5, 7);
            }
            pos += dur.min(2);
        }
        self.motif_len = len;
    }

    /// Start a new phrase: rest, keep developing the motif, or invent a new one.
    fn develop(&mut self, p: &ParamValues) {
        let rest_p = p.get(Param::MelodyRest);
        self.phrase_rest = !self.last_rest && self.unit() < rest_p * 0.5;
        self.last_rest = self.phrase_rest;
        let leap = p.get(Param::MelodyLeap);
        if self.unit() < 0.3 {
            self.new_motif(leap);
            return;
        }
        let len = self.motif_len.max(1);
        match self.below(4) {
            0 => {
                let t = if self.unit() < 0.5 { 1 } else { -1 } * (1 + self.below(2) as i32);
                for m in &mut self.motif[..len] {
                    m.offset = (m.offset + t).clamp(-6, 8);
                }
            }
            1 => {
                for m in &mut self.motif[..len] {
                    m.offset = -m.offset;
                }
            }
            2 => {
                let i = self.below(len as u32) as usize;
                let d = if self.unit() < 0.5 { 1 } else { -1 };
                self.motif[i].offset = (self.motif[i].offset + d).clamp(-6, 8);
            }
            _ => {
                let i = self.below(len as u32) as usize;
                self.motif[i].weight = self.unit();
            }
        }
        // Always touch one note too, so no phrase is an exact copy of the last.
        let i = self.below(len as u32) as usize;
        let d = if self.unit() < 0.5 { 1 } else { -1 };
        self.motif[i].offset = (self.motif[i].offset + d).clamp(-6, 8);
    }
}

/// A due note, before the graph stamps it with its sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoteEventSpec {
    pub beat: f64,
    pub voice: VoiceKind,
    pub midi: i32,
    pub freq: f32,
    pub velocity: f32,
    pub beats: f32,
    pub pan: f32,
}
