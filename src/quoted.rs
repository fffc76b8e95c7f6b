//! A bad input quoted in a message: in backticks, control characters escaped, and at most
//! [`QUOTED_CHARS`] characters of it with its length after (a 10 MiB preset name given
//! over D-Bus had come back whole in the error reply).

use std::fmt;

/// The most characters of a bad input a message shows.
pub const QUOTED_CHARS: usize = 64;

/// `input` as a message quotes it: `` `name` `` or `` `first 64 characters…` (N bytes) ``.
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`")?;
        for c in self.0.chars().take(QUOTED_CHARS) {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        if self.0.chars().nth(QUOTED_CHARS).is_some() {
            write!(f, "…` ({} bytes)", self.0.len())
        } else {
            f.write_str("`")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_inputs_whole_long_ones_cut_with_their_length() {
        assert_eq!(Quoted("focus").to_string(), "`focus`");
        assert_eq!(Quoted("a\u{7}b\n").to_string(), "`a\\u{7}b\\n`");
        let long = "é".repeat(10_000);
        let q = Quoted(&long).to_string();
        assert_eq!(q, format!("`{}…` (20000 bytes)", "é".repeat(64)));
        assert_eq!(
            Quoted(&"x".repeat(64)).to_string(),
            format!("`{}`", "x".repeat(64))
        );
    }
}
