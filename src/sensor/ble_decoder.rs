//! A sensor's GATT notifications into readings for the feed: heart rate and RR intervals,
//! running cadence, cycling cadence from the crank's revolution counts.

use super::ble_ids::{CSC_MEASUREMENT, HEART_RATE_MEASUREMENT, RSC_MEASUREMENT};
use super::feed::{FeedSender, Heart};
use super::gatt;
use btleplug::api::ValueNotification;

/// Turns notifications into readings; keeps the previous cycling sample for cadence.
#[derive(Default)]
pub(super) struct Decoder {
    last_cycling: Option<gatt::CyclingSample>,
}

impl Decoder {
    /// `Ok(true)` for a valid measurement (fed on, unless it is a first cycling sample or
    /// coasting), `Ok(false)` for a characteristic that is not a measurement, `Err` for a
    /// malformed one.
    pub(super) fn decode(
        &mut self,
        n: &ValueNotification,
        feed: &FeedSender,
    ) -> Result<bool, gatt::GattError> {
        match n.uuid {
            HEART_RATE_MEASUREMENT => {
                let m = gatt::parse_heart_rate(&n.value)?;
                feed.heart(Heart {
                    bpm: m.bpm as f32,
                    rr_ms: m.rr_ms,
                    contact: match m.contact {
                        gatt::Contact::Detected => Some(true),
                        gatt::Contact::Lost => Some(false),
                        gatt::Contact::Unsupported => None,
                    },
                });
                Ok(true)
            }
            RSC_MEASUREMENT => {
                feed.cadence(gatt::parse_rsc(&n.value)?.steps_per_minute());
                Ok(true)
            }
            CSC_MEASUREMENT => {
                let now = gatt::parse_csc(&n.value)?;
                let rpm = self
                    .last_cycling
                    .replace(now)
                    .and_then(|prev| gatt::crank_rpm(&prev, &now));
                if let Some(rpm) = rpm {
                    // Two pedal strokes per revolution: the cyclist's "steps".
                    feed.cadence(2.0 * rpm);
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ble_ids::HEART_RATE_SERVICE;
    use super::*;
    use btleplug::api::bleuuid::uuid_from_u16;
    use uuid::Uuid;

    fn note(uuid: Uuid, value: Vec<u8>) -> ValueNotification {
        ValueNotification {
            uuid,
            service_uuid: HEART_RATE_SERVICE,
            value,
        }
    }

    #[test]
    fn decoder_feeds_readings_and_refuses_garbage() {
        let (tx, mut rx) = super::super::feed::channel();
        let mut d = Decoder::default();
        let hr = gatt::encode_heart_rate(&gatt::HeartRate {
            bpm: 72,
            contact: gatt::Contact::Detected,
            energy_kj: None,
            rr_ms: vec![833.0078],
        });
        assert_eq!(d.decode(&note(HEART_RATE_MEASUREMENT, hr), &tx), Ok(true));
        let r = rx.take(0.0).unwrap();
        assert_eq!((r.hr, r.contact), (Some(72.0), Some(true)));
        assert!(
            d.decode(&note(HEART_RATE_MEASUREMENT, vec![0x10, 72, 1]), &tx)
                .is_err()
        );
        assert!(d.decode(&note(RSC_MEASUREMENT, vec![]), &tx).is_err());
        // Two revolutions in 1365/1024 s: 90 rpm.
        let csc = |revs: u16, t: u16| {
            let mut b = vec![0x02];
            b.extend(revs.to_le_bytes());
            b.extend(t.to_le_bytes());
            b
        };
        assert_eq!(
            d.decode(&note(CSC_MEASUREMENT, csc(10, 1024)), &tx),
            Ok(true)
        );
        assert_eq!(rx.take(0.0), None);
        d.decode(&note(CSC_MEASUREMENT, csc(12, 2048 + 341)), &tx)
            .unwrap();
        let strokes = rx.take(0.0).unwrap().cadence.unwrap();
        assert!(
            (strokes - 180.0).abs() < 0.2,
            "90 rpm is 180 strokes: {strokes}"
        );
        assert_eq!(
            d.decode(&note(uuid_from_u16(0x2A19), vec![5]), &tx),
            Ok(false)
        );
    }
}
