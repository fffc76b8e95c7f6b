//! How close a chord's tones may sit in the low register. Low down, close intervals turn to
//! mud (their partials beat and the ear cannot tell the tones apart): orchestration texts
//! give each interval the lowest pitch its lower tone should take (Piston, *Orchestration*;
//! the "low interval limits" arrangers use). A minor third below C3 or a fourth below A2
//! is a growl, not a chord.

/// The lowest MIDI note the lower tone of an interval of `semitones` (1..=11) should take;
/// an octave or more, or a unison, has no limit here.
pub fn low_interval_limit(semitones: i32) -> i32 {
    match semitones {
        1 => 52,      // minor second: E3
        2 => 51,      // major second: E♭3
        3 => 48,      // minor third: C3
        4 => 46,      // major third: B♭2
        5 => 45,      // perfect fourth: A2
        6 => 47,      // tritone: B2
        7 => 34,      // perfect fifth: B♭1
        8 => 43,      // minor sixth: G2
        9..=11 => 41, // major sixth and sevenths: F2
        _ => i32::MIN,
    }
}

/// Whether `low` and `high` (MIDI, `low` ≤ `high`) sound as two tones, not mud.
pub fn clear(low: i32, high: i32) -> bool {
    low >= low_interval_limit(high - low)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_intervals_need_more_height_than_open_ones() {
        // A minor third is clear from C3 up, not under it; a fifth is clear far lower.
        assert!(clear(48, 51) && !clear(47, 50));
        assert!(clear(34, 41) && !clear(33, 40));
        // Octaves and unisons have no limit here; seconds need the most height.
        assert!(clear(24, 36) && clear(24, 24));
        assert!((1..=11).all(|i| low_interval_limit(i) <= low_interval_limit(1)));
    }
}
