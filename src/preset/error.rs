//! What is wrong with a TOML file a listener wrote (a preset, the config), said as
//! `file:line:column: message`, and a preset that cannot be found.

/// A TOML file that cannot be used: where in it and why, or why it could not be read.
/// Presets and `config.toml` both report through it.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
}

impl FileError {
    /// `message` about the text of `file` (`src`) at the start of `span`.
    pub fn at(file: &str, src: &str, span: std::ops::Range<usize>, message: String) -> Self {
        let (line, column) = line_col(src, span.start);
        FileError::Invalid {
            file: file.to_owned(),
            line,
            column,
            message,
        }
    }
}

/// What went wrong with a preset.
#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("unknown preset {}", crate::quoted::Quoted(.0))]
    Unknown(String),
    #[error("invalid preset name {}: use letters, digits, `-` and `_` only", crate::quoted::Quoted(.0))]
    BadName(String),
}

/// Line and column (1-based, in characters) of a byte offset into `src`.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
