//! Writing one bar: the chord it is on, and the notes of each voice as the section's
//! arrangement has them; the transitions at section ends (a cadence or a pivot chord held,
//! leaving voices dropping out, a fill, the filter closing to open again).

use super::*;
use crate::music::scale::Scale;
use crate::music::spacing;

const PAD_PANS: [f32; 5] = [-0.5, 0.4, -0.2, 0.6, 0.0];

/// How much likelier a chord holding the mode's colour degree is drawn.
const COLOUR_CHORDS: f32 = 2.0;
/// The learned harmony's chances put on the hand-weighted graph's scale (a row of it sums
/// to about 14), so the preset's own progression and the colour chords weigh as much.
const LEARNED_SCALE: f32 = 14.0;

/// A bass note of `key` at scale `step`, always sounding.
pub(super) fn bass_note(key: Key, at: f32, step: i32, velocity: f32, beats: f32) -> PlannedNote {
    PlannedNote {
        at,
        voice: VoiceKind::Bass,
        midi: key.scale.midi(step),
        freq: key.scale.freq(step),
        velocity,
        beats,
        pan: 0.0,
        weight: -1.0,
    }
}

impl Planner {
    pub(super) fn unit(&mut self) -> f32 {
        self.rng.unit()
    }

    /// Keep following the listener: a large energy move ends the section at the next
    /// phrase end; in sleep, waking (energy up from its calmest) restarts the descent gently
    /// (its texture: the level keeps to the deepest it reached, so sleep never gets louder).
    pub(super) fn follow_the_listener(&mut self, controls: &ControlValues) {
        let energy = controls.get(Control::Energy);
        self.calmest_energy = self.calmest_energy.min(energy);
        self.deepest = self.deepest.max(self.depth(self.minutes));
        if self.mode == Mode::Sleep
            && self.depth(self.minutes) > 0.4
            && energy > self.calmest_energy + 0.2
        {
            self.descent_start = self.minutes - 0.3 * SLEEP_DESCENT_MIN;
            self.calmest_energy = energy;
            self.end_section_soon(controls);
        } else if (energy - self.section.energy).abs() > 0.25 {
            self.end_section_soon(controls);
        }
    }

    fn end_section_soon(&mut self, controls: &ControlValues) {
        let phrase = self.phrase_bars.max(1);
        let to_phrase_end = phrase - self.bar_in_section % phrase;
        let end = self.bar_in_section + to_phrase_end.max(2);
        self.section.energy = controls.get(Control::Energy);
        if end < self.section.bars {
            self.section.bars = end;
            self.chord_bars_left = self.chord_bars_left.min(end - self.bar_in_section);
            self.plan_following(controls);
        }
    }

    pub(super) fn start_next_section(&mut self, controls: &ControlValues) {
        let previous_key = self.section.key;
        self.section = self.next;
        self.bar_in_section = 0;
        self.chord_bars_left = 0;
        if self.section.key != previous_key {
            // Establish the new key on its tonic.
            self.chord = Chord::TONIC;
            self.chord_len = 0;
        }
        if self.unit() < 0.5 {
            let writer = writer(&self.composer, self.section.energy, self.section.energy);
            let rng = &mut self.rng;
            self.motif
                .restart(self.bpb, 0.5, writer, &mut || rng.unit());
        }
        self.plan_following(controls);
    }

    /// The next chord and how many bars it lasts: the grammar inside the section, then a
    /// cadence, and a final chord held to the boundary (a pivot if the key changes there).
    pub(super) fn choose_chord(&mut self, left: u32, tension: f32) {
        let key = self.section.key;
        let kind = key.scale.kind;
        let n = key.scale.len();
        let (lo, hi) = self.section.harmonic_rhythm;
        let mut len = (lo + (self.unit() * (hi - lo + 1) as f32) as u32).min(hi);
        if self.body != 0.0 {
            // Driven by the body, chords change faster (calmed, they stay longer).
            let scaled = len as f32 * (1.0 - 2.5 * self.body).clamp(0.4, 1.6);
            len = (scaled.round() as u32).clamp(1, hi.max(1));
        }
        // The piece, and every new key, starts on its tonic.
        let fresh_key = self.chord_len == 0 && self.bar_in_section == 0;
        let degree = if left <= hi {
            len = left;
            if self.next.key != key {
                let pick = self.unit();
                match harmony::pivot(&key, &self.next.key, pick) {
                    Some(p) => p.degree,
                    None => 0,
                }
            } else {
                0
            }
        } else {
            len = len.min(left - 1);
            if fresh_key {
                0
            } else if left - len <= hi {
                harmony::cadence_degree(kind)
            } else {
                self.grammar_step(n, tension, len)
            }
        };
        // Colour for variety: up to three draws, keeping the first whose sound (pitch-class
        // set) was not among the recent chords.
        let mut chord = Chord {
            degree,
            shape: self.shape_for(degree, tension),
        };
        for _ in 0..2 {
            if !self.recent_chords.contains(&chord.pitch_classes(&key)) {
                break;
            }
            chord.shape = self.shape_for(degree, tension);
        }
        self.recent_chords[self.recent_next] = chord.pitch_classes(&key);
        self.recent_next = (self.recent_next + 1) % self.recent_chords.len();
        self.chord = chord;
        self.chord_bars_left = len;
        self.chord_len = len;
    }

    fn grammar_step(&mut self, n: i32, tension: f32, len: u32) -> i32 {
        let kind = self.section.key.scale.kind;
        let learned = self.phrases.as_ref().and(self.harmony);
        // Chord changes after this one before the phrase's last bar.
        let bars = self.melody_phrase_bars();
        let bars_left = bars - 1 - self.bar_in_section % bars;
        let changes_left = bars_left / len.max(1);
        let from = self.chord.degree.rem_euclid(n);
        let prog = &self.character.progression;
        let preferred = prog
            .iter()
            .position(|&d| d == from)
            .map(|i| prog[(i + 1) % prog.len()]);
        let key = self.section.key;
        let weights: Vec<f32> = (0..n)
            .map(|to| {
                if key.is_diminished(to) {
                    return 0.0;
                }
                let w = match learned {
                    // The phrase composer's harmony: Bach's moves for this mode and this
                    // distance to the phrase's cadence, with the mode's own colour.
                    Some(h) if n == 7 => {
                        LEARNED_SCALE
                            * h.chance(kind, changes_left, from, to)
                            * harmony::mode_boost(kind, from, to)
                    }
                    _ => harmony::weight(kind, from, to),
                };
                // A mode's colour lives in the chords that hold its degree (lydian's II,
                // dorian's IV, mixolydian's ♭VII): favour them.
                let w = match kind.colour_degree() {
                    Some(c) if [0, 2, 4].contains(&(c - to).rem_euclid(n)) => w * COLOUR_CHORDS,
                    _ => w,
                };
                if Some(to) == preferred && to != from {
                    w.max(1.0) * 4.0
                } else {
                    w
                }
            })
            .collect();
        let total: f32 = weights.iter().sum();
        let mut x = self.unit() * total;
        let mut to = 0;
        for (d, w) in weights.iter().enumerate() {
            if x < *w {
                to = d as i32;
                break;
            }
            x -= w;
        }
        // Substitution: a chord a third away shares two tones; likelier with tension.
        if self.unit() < 0.2 * tension {
            let sub = (to + if self.unit() < 0.5 { 2 } else { -2 }).rem_euclid(n);
            if !key.is_diminished(sub) {
                to = sub;
            }
        }
        to
    }

    /// Soft colours (sevenths, suspensions, added ninths, fourths) even at rest: ambient
    /// harmony lives on them; tension makes sevenths likelier.
    fn shape_for(&mut self, degree: i32, tension: f32) -> Shape {
        let r = self.unit();
        let pentatonic = self.section.key.scale.len() == 5;
        let seventh = 0.12 + 0.4 * tension;
        // In a pentatonic scale the "suspended" stacks are just its other triads.
        let sus = if pentatonic {
            0.3
        } else {
            0.15 + 0.1 * tension
        };
        let add9 = 0.15;
        let quartal = if pentatonic { 0.0 } else { 0.1 };
        // Open fifths and the pentatonic wash: drones' colours, likelier in a pentatonic key.
        let open = if pentatonic { 0.12 } else { 0.06 };
        let wash = if pentatonic { 0.06 } else { 0.0 };
        // Deep in the sleep descent, chords thin to three tones or fewer.
        let sparse = self.mode == Mode::Sleep && self.depth(self.minutes) > 0.7;
        let r = r * (1.0 + open + wash);
        if r > 1.0 + open && !sparse {
            return Shape::Wash;
        } else if r > 1.0 || (sparse && r < seventh + add9) {
            return Shape::Open;
        }
        if r < seventh {
            Shape::Seventh
        } else if r < seventh + sus {
            if self.unit() < 0.5 {
                Shape::Sus2
            } else {
                Shape::Sus4
            }
        } else if r < seventh + sus + add9 {
            Shape::Add9
        } else if r < seventh + sus + add9 + quartal && self.perfect_fourths(degree) {
            Shape::Quartal
        } else {
            Shape::Triad
        }
    }

    /// Both fourths of the quartal stack on `degree` are perfect (no tritone).
    fn perfect_fourths(&self, degree: i32) -> bool {
        let m = |s: i32| self.section.key.scale.midi(degree + s);
        m(3) - m(0) == 5 && m(6) - m(3) == 5
    }

    pub(super) fn write_pad(&mut self, plan: &mut BarPlan) {
        let part = self.section.arrangement.parts[PAD];
        if !part.plays() {
            return;
        }
        let key = self.section.key;
        let n = key.scale.len();
        let (lo, hi) = self.chord_window(
            self.home_root - 3 + 12 * part.octave,
            self.home_root + 24 + 12 * part.octave,
        );
        // Near the last chord (smooth voice leading), pulled a quarter of the way back to
        // the pad's home register: left to itself the nearest voicing wandered a whole
        // octave within the window over a piece (a pad centred on E3 at one seed and D4 at
        // another, 2 LU apart in loudness).
        let home = self.home_root + 7 + 12 * part.octave;
        let target = if self.voicing_len == 0 {
            home
        } else {
            let last =
                self.voicing[..self.voicing_len].iter().sum::<i32>() / self.voicing_len as i32;
            (3 * last + home + 2) / 4
        };
        // An open fifth is doubled an octave up, so the pad keeps its body.
        let doubled: [i32; 4];
        let shape = match self.chord.shape {
            Shape::Open => {
                let s = self.chord.shape.steps(n);
                doubled = [s[0], s[1], s[0] + n, s[1] + n];
                &doubled[..]
            }
            other => other.steps(n),
        };
        // Every chord as loud as a four-tone one, whatever its number of tones.
        let loudness = (4.0 / shape.len() as f32).sqrt();
        let open = self.unit() < 0.3;
        let beats = (self.chord_len * self.bpb) as f32 + 0.5;
        let (mut midis, mut steps) = ([0; 5], [0; 5]);
        for (k, s) in shape.iter().enumerate() {
            let tone = self.chord.degree + s;
            let mut step = (-3..=3)
                .map(|o| tone + o * n)
                .min_by_key(|&st| (key.scale.midi(st) - target).abs())
                .unwrap_or(tone);
            if k == 0 && open {
                step += n; // an open voicing now and then
            }
            while key.scale.midi(step) < lo {
                step += n;
            }
            while key.scale.midi(step) > hi {
                step -= n;
            }
            // Each tone is placed nearest the last chord on its own, so a doubled tone (the
            // open fifth's octaves) could land on one already placed: two pad voices in
            // unison beat and sum, a swell 10 dB over the bed in sleep's low, sparse hour.
            // A tone already sounding goes an octave up (down if the window ends).
            if midis[..k].contains(&key.scale.midi(step)) {
                step += n;
                if key.scale.midi(step) > hi {
                    step -= 2 * n;
                }
            }
            midis[k] = key.scale.midi(step);
            steps[k] = step;
        }
        let tones = shape.len();
        spread_low_tones(&key.scale, &mut steps[..tones], &mut midis[..tones], hi, n);
        for k in 0..tones {
            let velocity = (0.6 + 0.2 * self.unit()) * loudness;
            plan.push(PlannedNote {
                at: 0.02 * k as f32,
                voice: VoiceKind::Pad,
                midi: midis[k],
                freq: key.scale.freq(steps[k]),
                velocity,
                beats,
                pan: PAD_PANS[k],
                weight: -1.0,
            });
        }
        self.voicing = midis;
        self.voicing_len = shape.len();
    }

    /// The bass's root for the bar: the chord's (the tonic's under a pedal), an octave
    /// under the scale's base, in the part's octave.
    pub(super) fn bass_root(&self, part: form::Part, n: i32) -> i32 {
        let degree = if self.section.pedal {
            0
        } else {
            self.chord.degree
        };
        degree - n + part.octave * n
    }

    pub(super) fn write_bass(&mut self, plan: &mut BarPlan, new_chord: bool, n: i32) {
        let part = self.section.arrangement.parts[BASS];
        if !part.plays() {
            return;
        }
        let key = self.section.key;
        let root = self.bass_root(part, n);
        let fifth = if n == 7 { 4 } else { 3 };
        let note = |at, step, velocity, beats| bass_note(key, at, step, velocity, beats);
        if part.role == Role::Lead {
            let half = (self.bpb / 2).max(1) as f32;
            plan.push(note(0.0, root, 0.8, half - 0.1));
            let step = if self.rng.unit() < 0.6 {
                root + fifth
            } else {
                root + n
            };
            plan.push(note(half, step, 0.65, self.bpb as f32 - half - 0.1));
        } else if new_chord {
            let beats = (self.chord_len * self.bpb) as f32 - 0.25;
            plan.push(note(0.0, root, 0.8, beats));
        }
    }

    /// The mix for the bar: voices that rest next section drop out two bars before the
    /// boundary; the filter closes a little in the last bar and opens into the next.
    pub(super) fn write_mix(&mut self, plan: &mut BarPlan, left: u32) {
        let parts = self.section.arrangement.parts;
        let next = self.next.arrangement.parts;
        for v in 0..plan.gains.len() {
            let leaving = left <= 2 && !next[v].plays();
            plan.gains[v] = if parts[v].plays() && !leaving {
                1.0
            } else {
                0.0
            };
        }
        plan.gains[NOISE] = if parts[NOISE].plays() { 1.0 } else { 0.0 };
        // Bells an octave up sound about 4 dB softer (shorter, thinner): make it up, for
        // the octave they sound in (the arrangement's, and the move into their range).
        plan.gains[BELLS] *= 1.6f32.powi((parts[BELLS].octave + self.melody_shift).max(0));
        for g in &mut plan.gains {
            *g *= self.section.level;
        }
        plan.loudness_db = self.section.loudness_db;
        plan.hush = self.section.hush;
        let closing = if left == 1 && self.pulse != PulseKind::Kick {
            0.85
        } else {
            1.0
        };
        plan.brightness = self.section.brightness * closing * self.groove_sweep(left);
    }

    pub(super) fn remember(&mut self, plan: &BarPlan) {
        let parts = self.section.arrangement.parts;
        let voices = (0..parts.len())
            .filter(|&v| parts[v].plays() && plan.gains[v] > 0.0)
            .fold(0u8, |m, v| m | 1 << v);
        self.history[(self.bar % HISTORY as u64) as usize] = Some(BarInfo {
            index: self.bar,
            section: self.section.name,
            section_number: self.section.number,
            key: self.section.key,
            chord: self.chord,
            voices,
            phrase: self.phrase,
        });
    }

    /// What bar `index` was planned as, if it is still remembered.
    pub fn bar_info(&self, index: u64) -> Option<BarInfo> {
        self.history[(index % HISTORY as u64) as usize].filter(|b| b.index == index)
    }
}

/// Lift, an octave at a time, the upper tone of any pair of the voicing that sits too
/// close too low ([`spacing::clear`]): a chord placed tone by tone nearest the last one
/// could close into a low cluster (E2–G2–A2 held 35 s under `ocean`'s dark lowpass, a
/// growl 4 dB under the chords around it). A tone stays where it is if its octave would
/// leave the window (`hi`) or double another tone.
fn spread_low_tones(scale: &Scale, steps: &mut [i32], midis: &mut [i32], hi: i32, n: i32) {
    let tones = steps.len().min(5);
    for _ in 0..tones {
        let mut order = [0, 1, 2, 3, 4];
        order[..tones].sort_by_key(|&k| midis[k]);
        let muddy = order[..tones]
            .windows(2)
            .find(|w| !spacing::clear(midis[w[0]], midis[w[1]]))
            .map(|w| w[1]);
        let Some(upper) = muddy else { return };
        let lifted = scale.midi(steps[upper] + n);
        if lifted > hi || midis.contains(&lifted) {
            return;
        }
        steps[upper] += n;
        midis[upper] = lifted;
    }
}
