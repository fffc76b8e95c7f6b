//! What is wrong with the presets and the schedule, said at start and by `ReloadPresets`
//! rather than found out when the schedule fires.

use crate::config::Config;
use crate::preset::PresetLibrary;

/// Problems in the user's preset directory and schedule entries naming presets that do
/// not load. Reads the disk: call it off the core.
pub fn problems(library: &PresetLibrary, config: &Config) -> Vec<String> {
    let mut problems = library.problems();
    for entry in &config.schedule {
        if let Err(e) = library.load(&entry.preset) {
            problems.push(format!(
                "schedule {:02}:{:02}: {e}",
                entry.minute / 60,
                entry.minute % 60
            ));
        }
    }
    problems
}
