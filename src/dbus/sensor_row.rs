//! One row of the `Sensors` property: `(sssit)`.

use serde::{Deserialize, Serialize};
use zbus::zvariant::{OwnedValue, Type, Value};

/// A paired sensor as the daemon reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, Value, OwnedValue)]
pub struct SensorRow {
    pub address: String,
    pub name: String,
    /// searching | connecting | live | stale
    pub link: String,
    /// Battery in %, or -1 when the sensor does not say.
    pub battery: i32,
    /// Malformed notifications dropped.
    pub dropped: u64,
}

impl SensorRow {
    pub fn battery_percent(&self) -> Option<i32> {
        (self.battery >= 0).then_some(self.battery)
    }

    /// "Polar H10: live · battery 87 %".
    pub fn short_line(&self) -> String {
        let mut line = format!("{}: {}", self.name, self.link);
        if let Some(b) = self.battery_percent() {
            line += &format!(" · battery {b} %");
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_signature_is_the_documented_tuple() {
        assert_eq!(SensorRow::SIGNATURE.to_string(), "(sssit)");
    }
}
