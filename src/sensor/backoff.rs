//! Capped exponential backoff between reconnection attempts.

use std::time::Duration;

/// Delays of `first`, `2·first`, … up to `cap`, and back to `first` after [`Backoff::reset`].
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    cap: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(first: Duration, cap: Duration) -> Backoff {
        Backoff {
            first,
            cap,
            next: first,
        }
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.cap);
        d
    }

    /// A connection worked: start again from the first delay.
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_resets() {
        let ms = Duration::from_millis;
        let mut b = Backoff::new(ms(500), ms(3000));
        let d: Vec<_> = (0..6).map(|_| b.next_delay()).collect();
        assert_eq!(
            d,
            [ms(500), ms(1000), ms(2000), ms(3000), ms(3000), ms(3000)]
        );
        b.reset();
        assert_eq!(b.next_delay(), ms(500));
    }
}
