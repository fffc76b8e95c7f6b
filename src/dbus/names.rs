//! Bus names, object paths and interface names, defined once.

/// Our well-known name on the session bus.
pub const BUS_NAME: &str = "io.github.Attuned";
/// Our object.
pub const OBJECT_PATH: &str = "/io/github/Attuned";
/// Our interface.
pub const INTERFACE: &str = "io.github.Attuned1";
/// MPRIS name: `org.mpris.MediaPlayer2.attuned`.
pub const MPRIS_BUS_NAME: &str = "org.mpris.MediaPlayer2.attuned";
/// MPRIS object path.
pub const MPRIS_PATH: &str = "/org/mpris/MediaPlayer2";
