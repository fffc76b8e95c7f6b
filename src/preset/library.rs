//! The preset library: the user's preset directory over the built-ins, and what is wrong
//! in that directory.

use super::{BUILTIN, Preset, PresetError, valid_name};
use std::path::PathBuf;

/// Where presets come from: user directory first, then the built-ins.
#[derive(Debug, Clone)]
pub struct PresetLibrary {
    user_dir: Option<PathBuf>,
}

impl Default for PresetLibrary {
    /// The user's preset directory (`$XDG_DATA_HOME/attuned/presets`) over the built-ins.
    fn default() -> Self {
        PresetLibrary::new()
    }
}

impl PresetLibrary {
    /// The default library: `$XDG_DATA_HOME/attuned/presets/` over the built-ins.
    pub fn new() -> Self {
        let user_dir =
            directories::BaseDirs::new().map(|d| d.data_dir().join("attuned").join("presets"));
        PresetLibrary { user_dir }
    }

    /// A library with an explicit user directory (tests, `--preset-dir`).
    pub fn with_user_dir(dir: impl Into<PathBuf>) -> Self {
        PresetLibrary {
            user_dir: Some(dir.into()),
        }
    }

    /// Load a preset by name; a user file of that name wins over a built-in. A user file
    /// that does not load falls back to the built-in of its name, said in one line (a
    /// broken `focus.toml` had made `focus` itself unplayable); its problem stays in
    /// [`PresetLibrary::problems`].
    pub fn load(&self, name: &str) -> Result<Preset, PresetError> {
        if !valid_name(name) {
            return Err(PresetError::BadName(name.to_string()));
        }
        if let Some(dir) = &self.user_dir {
            let path = dir.join(format!("{name}.toml"));
            if path.is_file() {
                return match (Preset::load(&path), Preset::builtin(name)) {
                    (Ok(preset), _) => Ok(preset),
                    (Err(e), Ok(builtin)) => {
                        tracing::warn!("{e}; playing the built-in `{name}` instead");
                        Ok(builtin)
                    }
                    (Err(e), Err(_)) => Err(e),
                };
            }
        }
        Preset::builtin(name)
    }

    /// The user presets' files: (stem, path) of every `*.toml` with a valid name, and what
    /// is wrong with the directory or an entry that cannot be a preset (not a regular file,
    /// a dangling link, an invalid name).
    fn user_files(&self) -> (Vec<(String, PathBuf)>, Vec<String>) {
        let (mut files, mut problems) = (Vec::new(), Vec::new());
        let Some(dir) = &self.user_dir else {
            return (files, problems);
        };
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (files, problems),
            Err(_) if dir.is_file() => {
                problems.push(format!(
                    "{}: is a file, not a directory of presets; user presets are not read",
                    dir.display()
                ));
                return (files, problems);
            }
            Err(e) => {
                problems.push(format!("{}: {e}; user presets are not read", dir.display()));
                return (files, problems);
            }
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_none_or(|x| x != "toml") {
                continue;
            }
            let Some(stem) = p.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if !valid_name(stem) {
                problems.push(format!(
                    "{}: not a preset name (letters, digits, `-` and `_`); skipped",
                    p.display()
                ));
            } else if !p.is_file() {
                problems.push(format!("{}: not a regular file; skipped", p.display()));
            } else {
                files.push((stem.to_string(), p));
            }
        }
        (files, problems)
    }

    /// What is wrong in the user's preset directory: the directory itself, entries that
    /// cannot be presets, and presets that do not parse (with file:line:column).
    pub fn problems(&self) -> Vec<String> {
        let (files, mut problems) = self.user_files();
        for (_, path) in files {
            if let Err(e) = Preset::load(&path) {
                problems.push(e.to_string());
            }
        }
        problems
    }

    /// Names of every preset that loads, sorted (a user file that does not is left out:
    /// its problem is told by [`PresetLibrary::problems`]).
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
        names.extend(
            self.user_files()
                .0
                .into_iter()
                .filter(|(_, path)| Preset::load(path).is_ok())
                .map(|(stem, _)| stem),
        );
        names.sort();
        names.dedup();
        names
    }
}
