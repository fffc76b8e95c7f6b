//! The keys a musician is holding, from the MIDI input thread to every preset graph,
//! lock-free: one atomic word per key (strike count and velocity) and a change counter, so
//! the audio thread's poll costs one load when nothing was played. Every graph reads the
//! same keys, so a held note keeps sounding through a preset switch's crossfade.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// MIDI key numbers 0..=127.
pub const KEYS: usize = 128;

struct Inner {
    /// Per key: strike count << 8 | velocity (0 = up).
    keys: [AtomicU32; KEYS],
    changes: AtomicU64,
}

/// The writer's and readers' shared keys; clones share them.
#[derive(Clone)]
pub struct SharedKeys(Arc<Inner>);

impl Default for SharedKeys {
    fn default() -> Self {
        SharedKeys(Arc::new(Inner {
            keys: std::array::from_fn(|_| AtomicU32::new(0)),
            changes: AtomicU64::new(0),
        }))
    }
}

impl SharedKeys {
    /// Key `note` struck at `velocity` (1..=127; 0 is a release, as in MIDI).
    pub fn press(&self, note: u8, velocity: u8) {
        if velocity == 0 {
            return self.release(note);
        }
        let Some(k) = self.0.keys.get(note as usize) else {
            return;
        };
        let count = (k.load(Ordering::Relaxed) >> 8).wrapping_add(1);
        k.store(count << 8 | velocity.min(127) as u32, Ordering::Release);
        self.0.changes.fetch_add(1, Ordering::Release);
    }

    /// Key `note` let go.
    pub fn release(&self, note: u8) {
        let Some(k) = self.0.keys.get(note as usize) else {
            return;
        };
        let was = k.load(Ordering::Relaxed);
        if was & 0xFF != 0 {
            k.store(was & !0xFF, Ordering::Release);
            self.0.changes.fetch_add(1, Ordering::Release);
        }
    }

    /// Every key let go (a port gone, "all notes off").
    pub fn release_all(&self) {
        for n in 0..KEYS as u8 {
            self.release(n);
        }
    }

    /// Keys held now.
    pub fn held(&self) -> usize {
        self.0
            .keys
            .iter()
            .filter(|k| k.load(Ordering::Acquire) & 0xFF != 0)
            .count()
    }

    /// A reader that hears the keys held now as struck, and every change from now on.
    pub fn reader(&self) -> KeysReader {
        KeysReader {
            keys: self.clone(),
            seen: std::array::from_fn(|n| self.0.keys[n].load(Ordering::Acquire) & !0xFF),
            seen_changes: u64::MAX,
        }
    }
}

/// What changed on a key since the last poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChange {
    Struck { note: u8, velocity: u8 },
    Released { note: u8 },
}

/// One graph's view of the keys: what it has already played.
#[derive(Clone)]
pub struct KeysReader {
    keys: SharedKeys,
    seen: [u32; KEYS],
    seen_changes: u64,
}

impl KeysReader {
    /// Hand every change since the last poll to `f`. Real-time safe: atomic loads only. A
    /// key struck and let go between two polls is heard as a strike then a release.
    pub fn poll(&mut self, mut f: impl FnMut(KeyChange)) {
        let changes = self.keys.0.changes.load(Ordering::Acquire);
        if changes == self.seen_changes {
            return;
        }
        self.seen_changes = changes;
        for (n, (k, seen)) in self.keys.0.keys.iter().zip(&mut self.seen).enumerate() {
            let now = k.load(Ordering::Acquire);
            if now == *seen {
                continue;
            }
            let note = n as u8;
            let velocity = (now & 0xFF) as u8;
            let struck = now >> 8 != *seen >> 8 || (*seen & 0xFF == 0 && velocity > 0);
            if struck {
                // Released in between: still heard, at a middling velocity.
                let v = if velocity > 0 { velocity } else { 64 };
                f(KeyChange::Struck { note, velocity: v });
            }
            if velocity == 0 && (*seen & 0xFF != 0 || struck) {
                f(KeyChange::Released { note });
            }
            *seen = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(r: &mut KeysReader) -> Vec<KeyChange> {
        let mut v = Vec::new();
        r.poll(|c| v.push(c));
        v
    }

    #[test]
    fn strikes_releases_and_quick_taps_are_all_heard() {
        let keys = SharedKeys::default();
        let mut r = keys.reader();
        assert!(changes(&mut r).is_empty());
        keys.press(60, 100);
        keys.press(64, 0); // velocity 0 is a release of a key not held: nothing
        assert_eq!(
            changes(&mut r),
            [KeyChange::Struck {
                note: 60,
                velocity: 100
            }]
        );
        assert!(changes(&mut r).is_empty());
        assert_eq!(keys.held(), 1);
        // Tapped between two polls: struck and released.
        keys.press(67, 90);
        keys.release(67);
        keys.release(60);
        let c = changes(&mut r);
        assert!(c.contains(&KeyChange::Released { note: 60 }), "{c:?}");
        assert!(
            c.contains(&KeyChange::Struck {
                note: 67,
                velocity: 64
            }) && c.contains(&KeyChange::Released { note: 67 }),
            "{c:?}"
        );
        // Struck again while held: a new strike.
        keys.press(60, 50);
        changes(&mut r);
        keys.press(60, 70);
        assert_eq!(
            changes(&mut r),
            [KeyChange::Struck {
                note: 60,
                velocity: 70
            }]
        );
        // A second reader (a new preset graph) hears the held key at once.
        let mut late = keys.reader();
        assert_eq!(
            changes(&mut late),
            [KeyChange::Struck {
                note: 60,
                velocity: 70
            }]
        );
        // … but not the keys tapped before it existed.
        keys.press(72, 30);
        keys.release(72);
        let mut later = keys.reader();
        assert_eq!(
            changes(&mut later),
            [KeyChange::Struck {
                note: 60,
                velocity: 70
            }]
        );
        changes(&mut late);
        changes(&mut r);
        keys.release_all();
        assert_eq!(keys.held(), 0);
        assert_eq!(changes(&mut r), [KeyChange::Released { note: 60 }]);
        keys.press(200, 10); // out of range: ignored
    }
}
