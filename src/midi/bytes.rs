//! MIDI bytes → key events: note on/off on any channel, running status, "all notes off";
//! everything else (controllers, clock, sysex) is passed over. Fed byte by byte, so it
//! reads a raw stream as well as the whole messages a port hands over.

/// What a key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyEvent {
    On {
        note: u8,
        velocity: u8,
    },
    Off {
        note: u8,
    },
    /// Controller 120 (all sound off) or 123 (all notes off).
    AllOff,
}

/// The parser's state between bytes.
#[derive(Debug, Clone, Default)]
pub struct MidiParser {
    /// The running status (a channel message's status byte), if any.
    status: Option<u8>,
    data: [u8; 2],
    len: usize,
}

impl MidiParser {
    /// Take one byte; a completed key message comes back.
    pub fn feed(&mut self, byte: u8) -> Option<KeyEvent> {
        match byte {
            // Real-time messages may come between any two bytes and change nothing.
            0xF8..=0xFF => None,
            // System exclusive and common: the running status ends; their data is skipped.
            0xF0..=0xF7 => {
                self.status = None;
                None
            }
            0x80..=0xEF => {
                self.status = Some(byte);
                self.len = 0;
                None
            }
            data => {
                let status = self.status?;
                self.data[self.len] = data;
                self.len += 1;
                let needed = if matches!(status & 0xF0, 0xC0 | 0xD0) {
                    1
                } else {
                    2
                };
                if self.len < needed {
                    return None;
                }
                self.len = 0;
                let [a, b] = self.data;
                match status & 0xF0 {
                    0x90 if b > 0 => Some(KeyEvent::On {
                        note: a,
                        velocity: b,
                    }),
                    0x90 | 0x80 => Some(KeyEvent::Off { note: a }),
                    0xB0 if a == 120 || a == 123 => Some(KeyEvent::AllOff),
                    _ => None,
                }
            }
        }
    }

    /// Feed a run of bytes, handing each key event to `f`.
    pub fn feed_all(&mut self, bytes: &[u8], mut f: impl FnMut(KeyEvent)) {
        for &b in bytes {
            if let Some(e) = self.feed(b) {
                f(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(bytes: &[u8]) -> Vec<KeyEvent> {
        let mut v = Vec::new();
        MidiParser::default().feed_all(bytes, |e| v.push(e));
        v
    }

    #[test]
    fn notes_on_any_channel_with_running_status_and_interruptions() {
        use KeyEvent::*;
        assert_eq!(
            parse(&[
                0x90, 60, 100, // on, channel 1
                64, 90,   // running status: another on
                0xF8, // clock in the middle of nothing
                64, 0, // velocity 0: off
                0x83, 60, 0xFE, 10, // off on channel 4, active sensing inside it
                0xC0, 5, // program change: passed over
                0x9F, 72, 1, // on, channel 16
                0xF0, 0x7E, 0x01, 0xF7, // sysex: skipped, running status gone
                72, 0, // data with no status: ignored
                0xB0, 123, 0, // all notes off
                0xB0, 7, 100, // volume: passed over
            ]),
            [
                On {
                    note: 60,
                    velocity: 100
                },
                On {
                    note: 64,
                    velocity: 90
                },
                Off { note: 64 },
                Off { note: 60 },
                On {
                    note: 72,
                    velocity: 1
                },
                AllOff,
            ]
        );
    }

    proptest! {
        /// Any byte stream: no panic, and only notes 0..=127 with velocities 1..=127.
        #[test]
        fn any_bytes_are_safe(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            for e in parse(&bytes) {
                match e {
                    KeyEvent::On { note, velocity } => {
                        prop_assert!(note < 128 && (1..128).contains(&velocity))
                    }
                    KeyEvent::Off { note } => prop_assert!(note < 128),
                    KeyEvent::AllOff => {}
                }
            }
        }
    }
}
