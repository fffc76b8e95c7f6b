//! The key journey: the piece stays in a key area for 10–14 minutes, then moves one fifth
//! to a neighbour (never straight back to where it just came from, unless at the edge of
//! the preset's reach), so an hour visits three or more keys and comes home now and then.

use super::form::Dice;
use super::key::Key;
use crate::music::scale::Scale;
use crate::preset::Mode;

#[derive(Debug, Clone)]
pub struct KeyJourney {
    home: Scale,
    reach: i32,
    current: i32,
    previous: Option<i32>,
    area_ends: f64,
    minutes: (f64, f64),
}

impl KeyJourney {
    pub fn new(home: Scale, reach: i32, mode: Mode, dice: &mut impl Dice) -> KeyJourney {
        let minutes = match mode {
            // A key changes only at a section boundary after its area's time is up, so
            // areas last a little longer than drawn here; four fit in an hour.
            Mode::Sleep => (10.0, 12.5),
            Mode::Focus => (10.5, 14.0),
            Mode::Relax => (10.0, 13.0),
            Mode::Workout => (10.0, 13.0),
        };
        KeyJourney {
            home,
            reach,
            current: 0,
            previous: None,
            area_ends: dice.between(minutes.0, minutes.1),
            minutes,
        }
    }

    /// The key now.
    pub fn key(&self) -> Key {
        Key::at(self.home, self.current)
    }

    /// The key for a section starting at `minutes`: a move once the area has run its time.
    pub fn key_at(&mut self, minutes: f64, dice: &mut impl Dice) -> Key {
        if self.reach > 0 && minutes >= self.area_ends {
            let options: Vec<i32> = [self.current - 1, self.current + 1]
                .into_iter()
                .filter(|f| f.abs() <= self.reach && Some(*f) != self.previous)
                .collect();
            let next = match options.as_slice() {
                [] => self.previous.unwrap_or(0),
                [one] => *one,
                many => *dice.pick(many),
            };
            self.previous = Some(self.current);
            self.current = next;
            self.area_ends = minutes + dice.between(self.minutes.0, self.minutes.1);
        }
        self.key()
    }
}
