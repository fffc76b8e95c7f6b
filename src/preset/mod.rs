//! Presets: what a soundscape is, as its TOML file says it, checked with `file:line:column`
//! errors ([`error`]). The file's schema and the built-ins ([`schema`]), the synthesis
//! parameters it addresses by stable ids and how controls move them ([`params`]), the
//! layers a listener mixes ([`layers`]), the instruments ([`instruments`]), nature
//! layers ([`nature`]) and focus modulation ([`modulation`]) it asks for, its harmonic
//! character ([`character`]), and the library of the user's presets over the built-ins
//! ([`library`]). Composition and synthesis both read a preset; it reads neither.

pub mod character;
pub mod error;
pub mod instruments;
pub mod layers;
pub mod library;
pub mod modulation;
pub mod nature;
pub mod params;
pub mod schema;
pub mod signature;

pub use error::{FileError, PresetError, line_col};
pub use library::PresetLibrary;
pub use schema::{BUILTIN, Composer, Mode, NoiseColor, Preset, PulseKind, valid_name};
