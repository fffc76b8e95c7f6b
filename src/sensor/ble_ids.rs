//! What the standard BLE sensors are called: the GATT services and characteristics of
//! heart-rate straps and running and cycling pods, device addresses as BlueZ writes them,
//! and what a device measures from the services it offers.

use super::ble_error::BleError;
use super::status::Kind;
use btleplug::api::BDAddr;
use btleplug::api::bleuuid::uuid_from_u16;
use std::str::FromStr;
use uuid::Uuid;

pub const HEART_RATE_SERVICE: Uuid = uuid_from_u16(0x180D);
pub const RUNNING_SERVICE: Uuid = uuid_from_u16(0x1814);
pub const CYCLING_SERVICE: Uuid = uuid_from_u16(0x1816);
pub const HEART_RATE_MEASUREMENT: Uuid = uuid_from_u16(0x2A37);
pub const RSC_MEASUREMENT: Uuid = uuid_from_u16(0x2A53);
pub const CSC_MEASUREMENT: Uuid = uuid_from_u16(0x2A5B);
pub const BATTERY_LEVEL: Uuid = uuid_from_u16(0x2A19);

/// The services a scan looks for.
pub const SERVICES: [Uuid; 3] = [HEART_RATE_SERVICE, RUNNING_SERVICE, CYCLING_SERVICE];

/// `aa:bb:…` → `AA:BB:…`, or an error.
pub fn normalise_address(address: &str) -> Result<String, BleError> {
    // Strictly six colon-separated pairs of hex digits: BDAddr's parser alone accepts
    // one-digit groups ("…:11:1") and callers used to trim spaces, so a mistyped address
    // reached Bluetooth as a different device.
    let groups: Vec<&str> = address.split(':').collect();
    let strict = groups.len() == 6
        && groups
            .iter()
            .all(|g| g.len() == 2 && g.bytes().all(|b| b.is_ascii_hexdigit()));
    if !strict {
        return Err(BleError::InvalidAddress(address.to_owned()));
    }
    BDAddr::from_str(address)
        .map(|a| a.to_string())
        .map_err(|_| BleError::InvalidAddress(address.to_owned()))
}

/// What a device measures, from its service UUIDs.
pub fn kinds(services: &[Uuid]) -> Vec<Kind> {
    let mut k: Vec<Kind> = services
        .iter()
        .filter_map(|s| match *s {
            HEART_RATE_SERVICE => Some(Kind::HeartRate),
            RUNNING_SERVICE => Some(Kind::RunningCadence),
            CYCLING_SERVICE => Some(Kind::CyclingCadence),
            _ => None,
        })
        .collect();
    k.sort();
    k.dedup();
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised_or_refused() {
        assert_eq!(
            normalise_address("aa:bb:cc:dd:ee:0f").unwrap(),
            "AA:BB:CC:DD:EE:0F"
        );
        for bad in [
            " C4:7C:8D:6A:11:01",
            "C4:7C:8D:6A:11:01 ",
            "C4:7C:8D:6A:11:1",
            "C4-7C-8D-6A-11-01",
            "+4:7C:8D:6A:11:01",
            "",
            "AA:BB",
            "../x",
            "AA:BB:CC:DD:EE:GG",
            "AA:BB:CC:DD:EE:FF:00",
        ] {
            assert!(
                matches!(normalise_address(bad), Err(BleError::InvalidAddress(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn kinds_come_from_services() {
        assert_eq!(
            kinds(&[CYCLING_SERVICE, uuid_from_u16(0x180F), HEART_RATE_SERVICE]),
            vec![Kind::HeartRate, Kind::CyclingCadence]
        );
        assert!(kinds(&[uuid_from_u16(0x180F)]).is_empty());
    }
}
