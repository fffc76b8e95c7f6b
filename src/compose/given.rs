//! A motif handed in by a musician: from a MIDI file (`attuned render --motif tune.mid`,
//! `attunectl motif tune.mid`) or over D-Bus (`SetMotif(a(udd))`: MIDI note, start beat,
//! length in beats). One line of up to [`MAX_NOTES`] notes; chords keep their top note.

use midly::{MetaMessage, MidiMessage, Smf, Timing, TrackEventKind};

/// The most notes a motif may have.
pub const MAX_NOTES: usize = 64;

/// One note of a given motif.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GivenNote {
    pub midi: u8,
    /// Start, in beats from the motif's start.
    pub start: f64,
    /// Length in beats.
    pub beats: f64,
}

/// Why a motif was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MotifError {
    #[error("{0}: not a MIDI file ({1})")]
    NotMidi(String, String),
    #[error("{0}: no notes in it")]
    NoNotes(String),
    #[error("{0}: {1} notes; a motif has at most {MAX_NOTES}")]
    TooMany(String, usize),
    #[error("{0}: note {1}: {2}")]
    BadNote(String, usize, String),
}

/// The melody of a MIDI file (all tracks and channels, drums included only if nothing else
/// plays), starting at its first note.
pub fn from_midi(name: &str, bytes: &[u8]) -> Result<Vec<GivenNote>, MotifError> {
    let smf = Smf::parse(bytes).map_err(|e| MotifError::NotMidi(name.into(), e.to_string()))?;
    let ticks_per_beat = match smf.header.timing {
        Timing::Metrical(t) => t.as_int().max(1) as f64,
        // Timecode files: count a beat as half a second's worth of ticks at 120 bpm.
        Timing::Timecode(fps, sub) => (fps.as_f32() * sub as f32 / 2.0).max(1.0) as f64,
    };
    let mut notes: Vec<(u64, u64, u8, bool)> = Vec::new(); // start, end, key, drum
    for track in &smf.tracks {
        let mut now = 0u64;
        let mut open: Vec<(u8, u8, u64)> = Vec::new(); // channel, key, start
        for ev in track {
            now += ev.delta.as_int() as u64;
            match ev.kind {
                TrackEventKind::Midi { channel, message } => {
                    let ch = channel.as_int();
                    match message {
                        MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => {
                            open.push((ch, key.as_int(), now));
                        }
                        MidiMessage::NoteOff { key, .. } | MidiMessage::NoteOn { key, .. } => {
                            if let Some(i) = open
                                .iter()
                                .position(|&(c, k, _)| c == ch && k == key.as_int())
                            {
                                let (c, k, start) = open.remove(i);
                                notes.push((start, now.max(start + 1), k, c == 9));
                            }
                        }
                        _ => {}
                    }
                }
                TrackEventKind::Meta(MetaMessage::EndOfTrack) => break,
                _ => {}
            }
        }
        for (c, k, start) in open {
            notes.push((start, now.max(start + 1), k, c == 9));
        }
    }
    if notes.iter().any(|n| !n.3) {
        notes.retain(|n| !n.3);
    }
    // One line: at each onset the highest note.
    notes.sort_by_key(|&(start, _, key, _)| (start, std::cmp::Reverse(key)));
    notes.dedup_by_key(|n| n.0);
    let Some(first) = notes.first().map(|n| n.0) else {
        return Err(MotifError::NoNotes(name.into()));
    };
    if notes.len() > MAX_NOTES {
        return Err(MotifError::TooMany(name.into(), notes.len()));
    }
    let given: Vec<GivenNote> = notes
        .iter()
        .map(|&(start, end, key, _)| GivenNote {
            midi: key,
            start: (start - first) as f64 / ticks_per_beat,
            beats: (end - start) as f64 / ticks_per_beat,
        })
        .collect();
    // The file's notes pass the bus's gate: a note 559 000 beats long had been taken from
    // a file (the melody then almost vanished) where `SetMotif` refused it.
    check(name, &given)?;
    Ok(given)
}

/// Check given notes, whatever the door (D-Bus, a MIDI file; `name` says which in
/// messages).
pub fn check(name: &str, notes: &[GivenNote]) -> Result<(), MotifError> {
    if notes.is_empty() {
        return Err(MotifError::NoNotes(name.into()));
    }
    if notes.len() > MAX_NOTES {
        return Err(MotifError::TooMany(name.into(), notes.len()));
    }
    for (i, n) in notes.iter().enumerate() {
        let bad = |why: &str| Err(MotifError::BadNote(name.into(), i + 1, why.into()));
        if n.midi > 127 {
            return bad("MIDI note above 127");
        }
        if !(n.start.is_finite() && n.start >= 0.0 && n.start <= 256.0) {
            return bad("start must be within 0..=256 beats");
        }
        if !(n.beats.is_finite() && n.beats > 0.0 && n.beats <= 16.0) {
            return bad("length must be within 0..=16 beats, above 0");
        }
        if i > 0 && n.start < notes[i - 1].start {
            return bad("notes must be in order of their start");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smf(notes: &[(u8, u32, u32)]) -> Vec<u8> {
        use midly::{Header, Track, TrackEvent};
        let mut track: Track = Vec::new();
        let mut events: Vec<(u32, bool, u8)> = Vec::new();
        for &(key, start, len) in notes {
            events.push((start, true, key));
            events.push((start + len, false, key));
        }
        events.sort_by_key(|e| (e.0, e.1));
        let mut last = 0;
        for (at, on, key) in events {
            let message = if on {
                MidiMessage::NoteOn {
                    key: key.into(),
                    vel: 90.into(),
                }
            } else {
                MidiMessage::NoteOff {
                    key: key.into(),
                    vel: 0.into(),
                }
            };
            track.push(TrackEvent {
                delta: (at - last).into(),
                kind: TrackEventKind::Midi {
                    channel: 0.into(),
                    message,
                },
            });
            last = at;
        }
        track.push(TrackEvent {
            delta: 0.into(),
            kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
        });
        let smf = Smf {
            header: Header::new(midly::Format::SingleTrack, Timing::Metrical(480.into())),
            tracks: vec![track],
        };
        let mut out = Vec::new();
        smf.write_std(&mut out).unwrap();
        out
    }

    #[test]
    fn a_file_passes_the_same_gate_as_the_bus() {
        // 100 beats long, or starting 300 beats in: refused from a file as over D-Bus.
        let e = from_midi("long.mid", &smf(&[(60, 0, 480), (62, 480, 48_000)])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "long.mid: note 2: length must be within 0..=16 beats, above 0"
        );
        let e = from_midi("late.mid", &smf(&[(60, 0, 480), (62, 144_000, 480)])).unwrap_err();
        assert!(
            e.to_string().contains("start must be within 0..=256"),
            "{e}"
        );
    }

    #[test]
    fn a_line_is_read_in_beats_from_its_first_note_and_chords_keep_the_top() {
        let bytes = smf(&[
            (60, 480, 240),
            (64, 720, 240),
            (62, 960, 480),
            (67, 960, 480),
        ]);
        let notes = from_midi("t.mid", &bytes).unwrap();
        assert_eq!(
            notes,
            vec![
                GivenNote {
                    midi: 60,
                    start: 0.0,
                    beats: 0.5
                },
                GivenNote {
                    midi: 64,
                    start: 0.5,
                    beats: 0.5
                },
                GivenNote {
                    midi: 67,
                    start: 1.0,
                    beats: 1.0
                },
            ]
        );
    }

    #[test]
    fn bad_files_and_bad_notes_are_refused_with_their_name() {
        assert!(matches!(
            from_midi("x.mid", b"RIFF...."),
            Err(MotifError::NotMidi(..))
        ));
        let empty = smf(&[]);
        assert_eq!(
            from_midi("e.mid", &empty),
            Err(MotifError::NoNotes("e.mid".into()))
        );
        let many: Vec<(u8, u32, u32)> = (0..65).map(|i| (60, i * 240, 200)).collect();
        let e = from_midi("m.mid", &smf(&many)).unwrap_err().to_string();
        assert_eq!(e, "m.mid: 65 notes; a motif has at most 64");
        let n = |midi, start, beats| GivenNote { midi, start, beats };
        assert!(check("bus", &[n(60, 0.0, 1.0), n(62, 1.0, 1.0)]).is_ok());
        let e = check("bus", &[n(60, 0.0, 1.0), n(200, 1.0, 1.0)])
            .unwrap_err()
            .to_string();
        assert_eq!(e, "bus: note 2: MIDI note above 127");
        assert!(check("bus", &[n(60, 0.0, f64::NAN)]).is_err());
        assert!(check("bus", &[n(60, 2.0, 1.0), n(62, 1.0, 1.0)]).is_err());
        assert!(check("bus", &[]).is_err());
    }
}
