//! Where an instrument can play: a span of MIDI notes, named the way musicians name them
//! (`C4` is middle C, MIDI 60; `A0` the piano's lowest key), and how a phrase is moved by
//! octaves to fit one.

/// MIDI notes `low..=high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoteRange {
    pub low: i32,
    pub high: i32,
}

impl NoteRange {
    pub const fn new(low: i32, high: i32) -> Self {
        NoteRange { low, high }
    }

    pub fn contains(&self, midi: i32) -> bool {
        (self.low..=self.high).contains(&midi)
    }

    /// Semitones from the lowest note to the highest.
    pub fn width(&self) -> i32 {
        self.high - self.low
    }

    /// The notes both ranges hold (`None`: none).
    pub fn within(&self, outer: NoteRange) -> Option<NoteRange> {
        let r = NoteRange::new(self.low.max(outer.low), self.high.min(outer.high));
        (r.low <= r.high).then_some(r)
    }

    /// The whole octaves to move notes spanning `low..=high` by so they all lie inside:
    /// `prefer` if it does, else the nearest that does; `None` if the span is wider than
    /// the range.
    pub fn octaves_to_fit(&self, low: i32, high: i32, prefer: i32) -> Option<i32> {
        if high - low > self.width() {
            return None;
        }
        let fits = |k: i32| self.contains(low + 12 * k) && self.contains(high + 12 * k);
        (0..=10)
            .flat_map(|d| [prefer - d, prefer + d])
            .find(|&k| fits(k))
    }

    /// `midi` moved by octaves into the range (for a single note where a whole phrase
    /// cannot fit; the range spans at least an octave).
    pub fn fold(&self, midi: i32) -> i32 {
        let mut m = midi;
        while m > self.high {
            m -= 12;
        }
        while m < self.low {
            m += 12;
        }
        m
    }
}

impl std::fmt::Display for NoteRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}–{}", note_name(self.low), note_name(self.high))
    }
}

/// The MIDI note of a name such as `C4` (60), `F#3`, `Bb2`, `A0` (21).
pub fn parse_note(name: &str) -> Result<i32, String> {
    let bad = || {
        format!(
            "`{name}` is not a note: use a letter, an optional # or b, and an octave, e.g. C4 or F#3"
        )
    };
    let mut chars = name.trim().chars();
    let letter = chars.next().ok_or_else(bad)?;
    let pc = match letter.to_ascii_uppercase() {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return Err(bad()),
    };
    let rest: String = chars.collect();
    let (accidental, octave) = match rest.strip_prefix('#') {
        Some(o) => (1, o),
        None => match rest.strip_prefix('b') {
            Some(o) => (-1, o),
            None => (0, rest.as_str()),
        },
    };
    let octave: i32 = octave.parse().map_err(|_| bad())?;
    if !(-1..=9).contains(&octave) {
        return Err(bad());
    }
    let midi = 12 * (octave + 1) + pc + accidental;
    if (0..=127).contains(&midi) {
        Ok(midi)
    } else {
        Err(bad())
    }
}

/// The name of a MIDI note, sharps for black keys (`60` → `C4`).
pub fn note_name(midi: i32) -> String {
    const NAMES: [&str; 12] = [
        "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
    ];
    format!(
        "{}{}",
        NAMES[midi.rem_euclid(12) as usize],
        midi.div_euclid(12) - 1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_as_musicians_write_them() {
        assert_eq!(parse_note("C4"), Ok(60));
        assert_eq!(parse_note("A0"), Ok(21));
        assert_eq!(parse_note("C8"), Ok(108));
        assert_eq!(parse_note("F#3"), Ok(54));
        assert_eq!(parse_note("Bb2"), Ok(46));
        assert!(parse_note("H2").is_err());
        assert!(parse_note("C").is_err());
        assert!(parse_note("C10").is_err());
        for m in [21, 54, 60, 108] {
            assert_eq!(parse_note(&note_name(m)), Ok(m));
        }
    }

    #[test]
    fn a_phrase_moves_by_whole_octaves_nearest_where_it_was() {
        let r = NoteRange::new(60, 96);
        assert_eq!(r.octaves_to_fit(62, 80, 0), Some(0));
        assert_eq!(r.octaves_to_fit(86, 100, 0), Some(-1));
        assert_eq!(r.octaves_to_fit(50, 70, 0), Some(1));
        // Where it fits both ways, the preferred shift stays.
        assert_eq!(r.octaves_to_fit(62, 70, 1), Some(1));
        assert_eq!(r.octaves_to_fit(50, 90, 0), None, "wider than the range");
        assert_eq!(r.fold(100), 88);
        assert_eq!(r.fold(50), 62);
        assert_eq!(
            NoteRange::new(55, 100).within(r),
            Some(NoteRange::new(60, 96))
        );
        assert_eq!(NoteRange::new(20, 40).within(r), None);
    }
}
