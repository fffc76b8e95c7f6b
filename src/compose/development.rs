//! A given motif developed through the piece, as a composer would: stated first, then
//! sequenced (moved up or down the scale), inverted, augmented (twice as slow), fragmented
//! (its first half, sequenced), played backwards, or continued by the model, so it stays
//! recognisable and is never just repeated (the same form at most twice in a row).

use super::given::GivenNote;

/// A note of the theme on the planner's grid: eighths from the phrase's start, scale steps
/// from the phrase's anchor (the chord root where it starts).
pub type ThemeNote = super::continuation::LineNote;

/// Writes the rest of the theme from its first half: (head, the whole theme, the end in
/// eighths) → the notes after the head.
pub type Continue<'a> = &'a mut dyn FnMut(&[ThemeNote], &[ThemeNote], u32) -> Vec<ThemeNote>;

/// How the theme is presented in a phrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Statement,
    /// Moved this many scale steps.
    Sequence(i32),
    Inversion,
    Augmentation,
    /// The first half, moved this many steps.
    Fragment(i32),
    Retrograde,
    /// The first half, then the composer writes on (the model with the learned composer).
    Continuation,
}

/// The given motif in scale steps and eighths.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    notes: Vec<ThemeNote>,
}

/// A MIDI note's letter-name step (C D E F G A B; sharps count as the letter below), so
/// a motif's shape is read the way the composer model's corpus was.
fn letter_step(midi: u8) -> i32 {
    const LETTER: [i32; 12] = [0, 0, 1, 1, 2, 3, 3, 4, 4, 5, 5, 6];
    (midi / 12) as i32 * 7 + LETTER[(midi % 12) as usize]
}

impl Theme {
    /// The theme of `given` (at least one note; see [`super::given::check`]).
    pub fn new(given: &[GivenNote]) -> Theme {
        let first = given.first().map_or(0, |n| letter_step(n.midi));
        let notes = given
            .iter()
            .map(|n| ThemeNote {
                pos8: (n.start * 2.0).round().max(0.0) as u32,
                offset: (letter_step(n.midi) - first).clamp(-12, 12),
                len8: ((n.beats * 2.0).round() as u32).clamp(1, 16),
            })
            .collect();
        Theme { notes }
    }

    /// The theme's notes in `form`.
    pub fn variation(&self, form: Form) -> Vec<ThemeNote> {
        let mut v = self.notes.clone();
        match form {
            Form::Statement => {}
            Form::Sequence(k) => v.iter_mut().for_each(|n| n.offset += k),
            Form::Inversion => v.iter_mut().for_each(|n| n.offset = -n.offset),
            Form::Augmentation => v.iter_mut().for_each(|n| {
                n.pos8 *= 2;
                n.len8 *= 2;
            }),
            Form::Fragment(k) => {
                v.truncate(v.len().div_ceil(2).max(1));
                v.iter_mut().for_each(|n| n.offset += k);
            }
            // The head; the player has the rest written.
            Form::Continuation => v.truncate(v.len().div_ceil(2).max(1)),
            Form::Retrograde => {
                let offsets: Vec<i32> = v.iter().rev().map(|n| n.offset).collect();
                let last = offsets[0];
                for (n, o) in v.iter_mut().zip(offsets) {
                    n.offset = o - last;
                }
            }
        }
        v
    }
}

/// Eighths from a phrase's start to the end of its last note.
pub fn span8(notes: &[ThemeNote]) -> u32 {
    notes.iter().map(|n| n.pos8 + n.len8).max().unwrap_or(1)
}

/// The theme as it is being played: the phrase under way and where in it the next bar is.
#[derive(Debug, Clone)]
pub struct ThemePlayer {
    theme: Theme,
    development: Development,
    phrase: Vec<ThemeNote>,
    bar: u32,
    anchor: i32,
    rested: bool,
    /// Bars left of an episode of the melody's own.
    free: u32,
}

impl ThemePlayer {
    pub fn new(theme: Theme) -> Self {
        ThemePlayer {
            theme,
            development: Development::default(),
            phrase: Vec::new(),
            bar: 0,
            anchor: 0,
            rested: true,
            free: 0,
        }
    }

    /// Whether this bar is an episode of the melody's own (after [`ThemePlayer::next_bar`]).
    pub fn in_episode(&self) -> bool {
        self.free > 0
    }

    /// The notes of the next bar of `slots` eighths (positions from the bar line, offsets
    /// from the chord root `chord_degree` where their phrase began). When a phrase has
    /// ended, a bar's rest now and then (never twice), then the next form; `draws` are
    /// uniform draws; `rest` writes a continuation's second half.
    pub fn next_bar(
        &mut self,
        slots: u32,
        chord_degree: i32,
        draws: [f32; 3],
        rest: Continue,
    ) -> Vec<ThemeNote> {
        self.free = self.free.saturating_sub(1);
        if self.free > 0 {
            return Vec::new();
        }
        if self.phrase.is_empty() || self.bar * slots >= span8(&self.phrase) {
            if !self.rested && draws[2] < 0.3 {
                self.rested = true;
                return Vec::new();
            }
            // Between developments, now and then an episode of the melody's own (two bars),
            // so the motif returns rather than never leaving.
            if !self.rested && draws[2] < 0.55 {
                self.rested = true;
                self.free = 2;
                return Vec::new();
            }
            let mut form = self.development.next(draws[0], draws[1]);
            let mut phrase = self.theme.variation(form);
            if form == Form::Continuation {
                let more = rest(&phrase, &self.theme.notes, span8(&self.theme.notes));
                phrase.extend(more);
            }
            // An augmentation longer than four bars would lose the thread.
            if span8(&phrase) > 4 * slots {
                form = Form::Statement;
                phrase = self.theme.variation(form);
            }
            self.phrase = phrase;
            self.bar = 0;
            self.anchor = chord_degree;
            self.rested = false;
        }
        let (from, to) = (self.bar * slots, (self.bar + 1) * slots);
        self.bar += 1;
        self.phrase
            .iter()
            .filter(|n| (from..to).contains(&n.pos8))
            .map(|n| ThemeNote {
                pos8: n.pos8 - from,
                offset: n.offset + self.anchor,
                len8: n.len8,
            })
            .collect()
    }
}

/// Chooses each phrase's form.
#[derive(Debug, Clone, Default)]
pub struct Development {
    last: Vec<Form>,
}

impl Development {
    /// The next form, from two uniform draws: the statement first, then any form but the
    /// one heard twice just before.
    pub fn next(&mut self, a: f32, b: f32) -> Form {
        let steps = 1 + (b * 3.0) as i32 % 3;
        let sign = if b * 6.0 % 1.0 < 0.5 { 1 } else { -1 };
        let mut form = if self.last.is_empty() {
            Form::Statement
        } else {
            match (a * 7.0) as u32 {
                0 => Form::Statement,
                1 => Form::Sequence(sign * steps),
                2 => Form::Inversion,
                3 => Form::Augmentation,
                4 => Form::Fragment(sign * steps),
                5 => Form::Retrograde,
                _ => Form::Continuation,
            }
        };
        let n = self.last.len();
        if n >= 2 && self.last[n - 1] == form && self.last[n - 2] == form {
            form = if form == Form::Inversion {
                Form::Sequence(sign * steps)
            } else {
                Form::Inversion
            };
        }
        self.last.push(form);
        if self.last.len() > 2 {
            self.last.remove(0);
        }
        form
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given() -> Vec<GivenNote> {
        // C D E G E D, eighths, the last a quarter.
        [60, 62, 64, 67, 64, 62]
            .iter()
            .enumerate()
            .map(|(i, &m)| GivenNote {
                midi: m,
                start: i as f64 * 0.5,
                beats: if i == 5 { 1.0 } else { 0.5 },
            })
            .collect()
    }

    #[test]
    fn forms_keep_the_shape_recognisable() {
        let t = Theme::new(&given());
        let offsets = |f| t.variation(f).iter().map(|n| n.offset).collect::<Vec<_>>();
        assert_eq!(offsets(Form::Statement), [0, 1, 2, 4, 2, 1]);
        assert_eq!(offsets(Form::Sequence(2)), [2, 3, 4, 6, 4, 3]);
        assert_eq!(offsets(Form::Inversion), [0, -1, -2, -4, -2, -1]);
        assert_eq!(offsets(Form::Fragment(-1)), [-1, 0, 1]);
        assert_eq!(offsets(Form::Retrograde), [0, 1, 3, 1, 0, -1]);
        let aug = t.variation(Form::Augmentation);
        assert_eq!((aug[1].pos8, aug[1].len8, span8(&aug)), (2, 2, 14));
        assert_eq!(span8(&t.variation(Form::Statement)), 7);
    }

    fn no_rest(_: &[ThemeNote], _: &[ThemeNote], _: u32) -> Vec<ThemeNote> {
        panic!("no continuation asked for")
    }

    #[test]
    fn a_continuation_is_the_head_then_what_the_composer_writes() {
        let mut p = ThemePlayer::new(Theme::new(&given()));
        let mut asked = Vec::new();
        let mut rest = |head: &[ThemeNote], whole: &[ThemeNote], to: u32| {
            asked.push((head.len(), whole.len(), to));
            vec![ThemeNote {
                pos8: 4,
                offset: -3,
                len8: 3,
            }]
        };
        p.next_bar(8, 0, [0.0, 0.0, 0.9], &mut rest); // the statement
        // A rest bar refused (draw ≥ 0.55), then the continuation (draw 0.9 → form 6).
        let bar = p.next_bar(8, 1, [0.9, 0.5, 0.9], &mut rest);
        let got: Vec<_> = bar.iter().map(|n| (n.pos8, n.offset)).collect();
        assert_eq!(got, [(0, 1), (1, 2), (2, 3), (4, -2)]);
        assert_eq!(asked, [(3, 6, 7)], "the head, the whole theme, its span");
    }

    #[test]
    fn the_player_spreads_a_phrase_over_bars_anchored_where_it_began() {
        let mut p = ThemePlayer::new(Theme::new(&given()));
        // 3/4: six eighths a bar; the statement's seven eighths take two bars.
        let first = p.next_bar(6, 2, [0.0, 0.0, 0.9], &mut no_rest);
        assert_eq!(
            first.iter().map(|n| n.offset).collect::<Vec<_>>(),
            [2, 3, 4, 6, 4, 3]
        );
        assert_eq!(
            first.iter().map(|n| n.pos8).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4, 5]
        );
        assert!(
            p.next_bar(6, 5, [0.0, 0.0, 0.9], &mut no_rest).is_empty(),
            "its last note rings on"
        );
        // Then a rest bar (draw < 0.3), then the next form, anchored on the new chord.
        assert!(p.next_bar(6, 4, [0.5, 0.5, 0.1], &mut no_rest).is_empty());
        let next = p.next_bar(6, 4, [0.35, 0.5, 0.1], &mut no_rest);
        assert_eq!(next[0].offset, 4, "inversion starts on its anchor");
        assert_eq!(next[1].offset, 3);
    }

    #[test]
    fn the_statement_comes_first_and_no_form_three_times_running() {
        let mut d = Development::default();
        assert_eq!(d.next(0.9, 0.3), Form::Statement);
        let mut forms = Vec::new();
        for i in 0..200 {
            forms.push(d.next(((i * 7) % 13) as f32 / 13.0, ((i * 5) % 11) as f32 / 11.0));
        }
        for w in forms.windows(3) {
            assert!(!(w[0] == w[1] && w[1] == w[2]), "{w:?}");
        }
        assert!(forms.contains(&Form::Augmentation) && forms.contains(&Form::Retrograde));
        assert!(forms.contains(&Form::Continuation));
    }
}
