//! The melody's bar: the motif developed phrase by phrase over the chord, thinned by the
//! section's arrangement and the density gate, opened by the body; a handed-in theme; a fill
//! into the next section.

use super::*;

/// How often an off-beat melody note a step from the colour degree moves onto it.
pub(super) const COLOUR_PULL: f32 = 0.35;
/// A held melody note gets a passing tone with this chance per unit of body drive (a heart
/// 40 bpm up, met: drive ~0.25, three notes in four), at most [`PASSING_MOST`].
const PASSING_PER_DRIVE: f32 = 3.0;
const PASSING_MOST: f32 = 0.8;
/// A driven melody's chance to rest a phrase falls by this share per unit of body drive
/// (to 0.3 of itself at most).
const REST_LESS_PER_DRIVE: f32 = 2.5;

impl Planner {
    /// A melody the section rests comes in, as an accompanying voice, while the body drives
    /// the music (not in sleep's descent, whose retirements stand).
    pub(super) fn melody_follows_the_body(&mut self) {
        let descending = self.mode == Mode::Sleep && self.depth(self.minutes) > 0.0;
        let bells = &mut self.section.arrangement.parts[BELLS];
        if self.body > super::BODY_IN && !bells.plays() && !descending {
            *bells = form::Part::new(form::Role::Accompany, 0, 1.0);
        }
    }

    pub(super) fn write_melody(&mut self, plan: &mut BarPlan, params: &ParamValues, left: u32) {
        let bars = self.melody_phrase_bars();
        let phrase_pos = self.bar_in_section % bars;
        self.phrase = PhraseMark {
            number: self.phrase.number + u32::from(phrase_pos == 0 && self.bar > 0),
            bar: phrase_pos,
            bars,
            cadence: Cadence::None,
        };
        if phrase_pos == 0 && self.bar > 0 {
            let (rest, leap) = (params.get(Param::MelodyRest), params.get(Param::MelodyLeap));
            // Driven by the body, the melody rests a phrase less often (pressed on, a player
            // breathes less); calmed, as often as the energy says.
            let rest = rest * (1.0 - REST_LESS_PER_DRIVE * self.body.max(0.0)).max(0.3);
            let writer = writer(
                &self.composer,
                params.get(Param::HarmonyTension),
                params.get(Param::MelodyDensity),
            );
            let rng = &mut self.rng.0;
            self.motif.develop(self.bpb, rest, leap, writer, &mut || {
                rng.next_u32() as f32 / 4_294_967_296.0
            });
        }
        let part = self.section.arrangement.parts[BELLS];
        if self.theme.is_some() {
            self.write_theme(plan, if part.plays() { part.octave } else { 0 });
        }
        if !part.plays() {
            return;
        }
        let key = self.section.key;
        let n = key.scale.len();
        let base = n * (self.melody_octave + 1 + part.octave);
        let episode = self.theme.as_ref().is_none_or(|t| t.in_episode());
        // A melody that accompanies plays every other phrase and breathes through the
        // next (its own rests aside), rather than being thinned note by note: under the
        // others it is heard coming and going, and its phrases stay phrases (a learned
        // line is never thinned anyway: its steps would turn into leaps).
        let phrase = self.bar_in_section / self.melody_phrase_bars();
        let breathes =
            part.role == Role::Accompany && part.density < 1.0 && self.body <= super::BODY_IN;
        let sounds = if breathes {
            phrase.is_multiple_of(2)
        } else {
            !self.motif.resting
        };
        let thinning = if breathes {
            1.0
        } else {
            part.density.max(0.05)
        };
        // Calmed by the body (sleep or relax asking less than the clock would: the form
        // follows the body only there), the melody thins a little more.
        let thinning = if self.body < 0.0 {
            thinning * (1.0 + 2.5 * self.body).clamp(0.4, 1.0)
        } else {
            thinning
        };
        // Driven by the body, more of the motif's notes pass the density gate (a racing
        // heart met: a busier line within the phrase, its attacks heard, not only more chords).
        let opening = (1.0 - 2.0 * self.body.max(0.0)).clamp(0.4, 1.0);
        let sparse = if part.role == Role::Accompany {
            0.15
        } else {
            0.0
        };
        let by_phrases =
            sounds && episode && self.write_phrase_bar(plan, params, base, sparse * opening, left);
        if sounds && episode && !by_phrases {
            let seq = if phrase_pos % 2 == 1 {
                if self.unit() < 0.5 { 1 } else { -1 }
            } else {
                0
            };
            for i in 0..self.motif.len {
                let m = self.motif.notes[i];
                let mut step = base + self.chord.degree + m.offset + seq;
                let colour = key.scale.kind.colour_degree();
                if m.pos8.is_multiple_of(4) {
                    step = self.nearest_chord_tone(step, n);
                    // Where the chord holds the colour degree, a strong beat near it takes it.
                    if let Some(c) = colour.filter(|&c| self.chord_holds(c, n)) {
                        let to = (c - step).rem_euclid(n);
                        let near = if to <= n / 2 { to } else { to - n };
                        if near.abs() <= 2 && self.colour_draw(i) < COLOUR_PULL {
                            step += near;
                        }
                    }
                } else if let Some(c) = colour {
                    // Off the strong beats a note a step from the mode's colour degree
                    // leans onto it now and then, so the mode is heard as itself.
                    let to = (c - step).rem_euclid(n);
                    if (to == 1 || to == n - 1) && self.colour_draw(i) < COLOUR_PULL {
                        step += if to == 1 { 1 } else { -1 };
                    }
                }
                let accent = match m.pos8 {
                    0 => 0.25,
                    p if p.is_multiple_of(2) => 0.1,
                    _ => 0.0,
                };
                let velocity = 0.5 + accent + 0.2 * self.unit();
                let pan = self.unit() * 1.2 - 0.6;
                let weight = (m.weight / thinning + sparse) * opening;
                let passing = self.passing_step(i);
                let held = if passing.is_some() { 1 } else { m.len8 };
                plan.push(PlannedNote {
                    at: m.pos8 as f32 * 0.5,
                    voice: VoiceKind::Bells,
                    midi: key.scale.midi(step),
                    freq: key.scale.freq(step),
                    velocity,
                    beats: held as f32 * 0.5,
                    pan,
                    weight,
                });
                if let Some(by) = passing {
                    // Sounds with the note it leaves (the same weight passes the same gate).
                    plan.push(PlannedNote {
                        at: (m.pos8 + 1) as f32 * 0.5,
                        voice: VoiceKind::Bells,
                        midi: key.scale.midi(step + by),
                        freq: key.scale.freq(step + by),
                        velocity: 0.8 * velocity,
                        beats: (m.len8 - 1) as f32 * 0.5,
                        pan,
                        weight,
                    });
                }
            }
        }
        // A fill into the next section: a stepwise run down onto the tonic's octave.
        if left == 1 && self.mode != Mode::Sleep && self.bpb >= 3 && !by_phrases {
            let start = self.bpb as f32 - 2.0;
            for (i, d) in [4, 3, 2, 1].into_iter().enumerate() {
                let step = base + n + d;
                plan.push(PlannedNote {
                    at: start + 0.5 * i as f32,
                    voice: VoiceKind::Bells,
                    midi: key.scale.midi(step),
                    freq: key.scale.freq(step),
                    velocity: 0.4 + 0.05 * i as f32,
                    beats: 0.5,
                    pan: -0.4 + 0.25 * i as f32,
                    weight: -1.0,
                });
            }
        }
    }

    /// Driven by the body, a motif note held an eighth or more moves on after one eighth,
    /// a step toward the next note (a passing tone; a neighbour when the line stays put):
    /// the line itself gets busier, as a player pressed forward plays it. The scale steps
    /// to move by, or `None` (always without a sensor).
    fn passing_step(&self, i: usize) -> Option<i32> {
        if self.body <= 0.0 {
            return None;
        }
        let m = self.motif.notes[i];
        let next = (i + 1 < self.motif.len).then(|| self.motif.notes[i + 1]);
        let next_pos = next.map_or(2 * self.bpb, |n| n.pos8);
        if m.len8 < 2 || next_pos < m.pos8 + 2 {
            return None;
        }
        if self.passing_draw(i) >= (PASSING_PER_DRIVE * self.body).min(PASSING_MOST) {
            return None;
        }
        let toward = next.map_or(0, |n| (n.offset - m.offset).signum());
        Some(if toward == 0 { 1 } else { toward })
    }

    /// The given motif's notes in this bar: heard whatever the arrangement says of the
    /// melody (it is the listener's), at every density.
    fn write_theme(&mut self, plan: &mut BarPlan, octave: i32) {
        let draws = [self.unit(), self.unit(), self.unit()];
        let (slots, degree) = (2 * self.bpb, self.chord.degree);
        let writer = writer(&self.composer, self.section.energy, self.section.energy);
        let Some(theme) = self.theme.as_mut() else {
            return;
        };
        let rng = &mut self.rng;
        let notes = theme.next_bar(slots, degree, draws, &mut |head, whole, to| {
            continuation::theme_rest(writer, head, whole, to, slots, &mut || rng.unit())
        });
        let key = self.section.key;
        let base = key.scale.len() * (self.melody_octave + 1 + octave);
        for m in notes {
            let step = base + m.offset;
            let accent = if m.pos8 == 0 { 0.15 } else { 0.0 };
            let pan = self.unit() * 0.6 - 0.3;
            plan.push(PlannedNote {
                at: m.pos8 as f32 * 0.5,
                voice: VoiceKind::Bells,
                midi: key.scale.midi(step),
                freq: key.scale.freq(step),
                velocity: 0.6 + accent,
                beats: m.len8 as f32 * 0.5,
                pan,
                weight: -1.0,
            });
        }
    }

    /// A draw in 0..1 for the colour of the bar's `note`-th melody note, hashed from the
    /// bar and the note rather than taken from the planner's dice: the mode's colour moves
    /// pitches only, and every other choice of the piece stays as it was.
    pub(super) fn colour_draw(&self, note: usize) -> f32 {
        let h = (self.bar.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ note as u64)
            .wrapping_mul(0xD6E8_FEB8_6659_FD93);
        (h >> 40) as f32 / (1u64 << 24) as f32
    }

    /// A draw in 0..1 for a passing tone after the bar's `note`-th melody note, hashed as
    /// [`Self::colour_draw`] is: how much the body drives changes which notes pass on, and
    /// nothing else the dice decide.
    fn passing_draw(&self, note: usize) -> f32 {
        let h = (self.bar.wrapping_mul(0xA24B_AED4_963E_E407) ^ (note as u64 + 0x51))
            .wrapping_mul(0x9FB2_1C65_1E98_DF25);
        (h >> 40) as f32 / (1u64 << 24) as f32
    }

    /// The bar's chord holds scale degree `degree`.
    fn chord_holds(&self, degree: i32, n: i32) -> bool {
        let rel = (degree - self.chord.degree).rem_euclid(n);
        self.chord
            .shape
            .steps(n)
            .iter()
            .any(|s| s.rem_euclid(n) == rel)
    }

    fn nearest_chord_tone(&self, step: i32, n: i32) -> i32 {
        let rel = (step - self.chord.degree).rem_euclid(n);
        let base = step - rel;
        [0, 2, 4, n]
            .iter()
            .map(|t| base + t)
            .min_by_key(|s| (s - step).abs())
            .unwrap_or(step)
    }
}
