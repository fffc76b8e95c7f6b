//! Which output device the listener chose: the one picked over D-Bus (remembered in the
//! state, "" meaning the default), else the config's `[audio] device`, else the default.

/// The listener's output device choice.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutputChoice {
    /// Picked over D-Bus and saved ("": the default, picked on purpose over the config's).
    picked: Option<String>,
    /// The config's `[audio] device`.
    configured: Option<String>,
}

impl OutputChoice {
    pub fn restored(saved: Option<&str>, configured: Option<&str>) -> OutputChoice {
        OutputChoice {
            picked: saved.map(str::to_owned),
            configured: configured.map(str::to_owned),
        }
    }

    /// The device to play on (`None`: the default).
    pub fn device(&self) -> Option<String> {
        match &self.picked {
            Some(name) if name.is_empty() => None,
            Some(name) => Some(name.clone()),
            None => self.configured.clone(),
        }
    }

    /// Pick `name` ("": the default).
    pub fn pick(&mut self, name: &str) {
        self.picked = Some(name.to_owned());
    }

    /// What the state keeps.
    pub fn saved(&self) -> Option<String> {
        self.picked.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pick_overrides_the_config_and_the_empty_pick_is_the_default() {
        let mut c = OutputChoice::restored(None, Some("sinkB"));
        assert_eq!(c.device().as_deref(), Some("sinkB"));
        assert_eq!(c.saved(), None);
        c.pick("");
        assert_eq!(c.device(), None);
        assert_eq!(c.saved().as_deref(), Some(""));
        c.pick("sinkA");
        assert_eq!(c.device().as_deref(), Some("sinkA"));
        let restored = OutputChoice::restored(c.saved().as_deref(), Some("sinkB"));
        assert_eq!(restored.device().as_deref(), Some("sinkA"));
    }
}
