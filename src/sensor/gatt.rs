//! Parsers for the Bluetooth SIG GATT characteristics attuned reads (layouts in
//! `shared/notes/ble-gatt.md`). Pure: bytes in, values or a typed error out; never panics,
//! whatever the bytes. Encoders exist for the round-trip tests and the BLE test bench.

/// A malformed characteristic value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GattError {
    #[error("{what}: {len} bytes, at least {need} needed")]
    Short {
        what: &'static str,
        len: usize,
        need: usize,
    },
    #[error("{what}: {extra} trailing byte(s) after the fields the flags announce")]
    Trailing { what: &'static str, extra: usize },
    #[error("{what}: impossible value {value}")]
    Impossible { what: &'static str, value: u32 },
}

/// Skin contact as the strap reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact {
    /// The sensor cannot tell.
    Unsupported,
    Lost,
    Detected,
}

/// 0x2A37 Heart Rate Measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct HeartRate {
    pub bpm: u16,
    pub contact: Contact,
    /// Cumulative energy expended, kJ.
    pub energy_kj: Option<u16>,
    /// RR intervals in milliseconds (converted from 1/1024 s).
    pub rr_ms: Vec<f32>,
}

fn take<const N: usize>(
    b: &[u8],
    at: &mut usize,
    what: &'static str,
) -> Result<[u8; N], GattError> {
    let end = *at + N;
    let bytes = b.get(*at..end).ok_or(GattError::Short {
        what,
        len: b.len(),
        need: end,
    })?;
    *at = end;
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    Ok(out)
}

/// Every byte of `b` was consumed by the fields the flags announce.
fn no_trailing(b: &[u8], at: usize, what: &'static str) -> Result<(), GattError> {
    match b.len() - at {
        0 => Ok(()),
        extra => Err(GattError::Trailing { what, extra }),
    }
}

/// Parse a Heart Rate Measurement. HR 0 or above 250 bpm is impossible; an odd trailing byte
/// in the RR list is malformed. Reserved flag bits are ignored.
pub fn parse_heart_rate(b: &[u8]) -> Result<HeartRate, GattError> {
    const WHAT: &str = "heart rate measurement";
    let mut at = 0;
    let [flags] = take::<1>(b, &mut at, WHAT)?;
    let bpm = if flags & 0x01 != 0 {
        u16::from_le_bytes(take::<2>(b, &mut at, WHAT)?)
    } else {
        take::<1>(b, &mut at, WHAT)?[0] as u16
    };
    if bpm == 0 || bpm > 250 {
        return Err(GattError::Impossible {
            what: "heart rate (bpm)",
            value: bpm as u32,
        });
    }
    let contact = match (flags >> 1) & 0b11 {
        0b10 => Contact::Lost,
        0b11 => Contact::Detected,
        _ => Contact::Unsupported,
    };
    let energy_kj = if flags & 0x08 != 0 {
        Some(u16::from_le_bytes(take::<2>(b, &mut at, WHAT)?))
    } else {
        None
    };
    let mut rr_ms = Vec::new();
    if flags & 0x10 != 0 {
        let rest = &b[at..];
        if !rest.len().is_multiple_of(2) {
            return Err(GattError::Trailing {
                what: WHAT,
                extra: 1,
            });
        }
        rr_ms.extend(
            rest.chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]) as f32 * 1000.0 / 1024.0),
        );
        at = b.len();
    }
    no_trailing(b, at, WHAT)?;
    Ok(HeartRate {
        bpm,
        contact,
        energy_kj,
        rr_ms,
    })
}

/// Encode a Heart Rate Measurement (u16 format when `bpm` > 255; RR in 1/1024 s).
pub fn encode_heart_rate(m: &HeartRate) -> Vec<u8> {
    let mut flags = 0u8;
    let mut body = Vec::new();
    if m.bpm > 255 {
        flags |= 0x01;
        body.extend(m.bpm.to_le_bytes());
    } else {
        body.push(m.bpm as u8);
    }
    flags |= match m.contact {
        Contact::Unsupported => 0,
        Contact::Lost => 0b100,
        Contact::Detected => 0b110,
    };
    if let Some(e) = m.energy_kj {
        flags |= 0x08;
        body.extend(e.to_le_bytes());
    }
    if !m.rr_ms.is_empty() {
        flags |= 0x10;
        for rr in &m.rr_ms {
            body.extend(((rr * 1024.0 / 1000.0).round() as u16).to_le_bytes());
        }
    }
    let mut out = vec![flags];
    out.extend(body);
    out
}

/// 0x2A53 RSC Measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningSpeedCadence {
    /// Metres per second.
    pub speed_mps: f32,
    /// Per minute, as the device reports it (steps or strides: sanity-check upstream).
    pub cadence: u8,
    pub stride_m: Option<f32>,
    pub distance_m: Option<f64>,
    pub running: bool,
}

impl RunningSpeedCadence {
    /// Cadence in steps per minute. The RSC spec counts steps, but some pods report strides
    /// (one foot): at running speed (2.2 m/s and up) fewer than 120 per minute cannot be
    /// steps, so such a reading is doubled. Walking (slower, 100–130 steps) is left alone.
    pub fn steps_per_minute(&self) -> f32 {
        let c = self.cadence as f32;
        if c > 0.0 && c < 120.0 && self.speed_mps >= 2.2 {
            c * 2.0
        } else {
            c
        }
    }
}

pub fn parse_rsc(b: &[u8]) -> Result<RunningSpeedCadence, GattError> {
    const WHAT: &str = "RSC measurement";
    let mut at = 0;
    let [flags] = take::<1>(b, &mut at, WHAT)?;
    let speed = u16::from_le_bytes(take::<2>(b, &mut at, WHAT)?);
    let [cadence] = take::<1>(b, &mut at, WHAT)?;
    let stride_m = if flags & 0x01 != 0 {
        Some(u16::from_le_bytes(take::<2>(b, &mut at, WHAT)?) as f32 / 100.0)
    } else {
        None
    };
    let distance_m = if flags & 0x02 != 0 {
        Some(u32::from_le_bytes(take::<4>(b, &mut at, WHAT)?) as f64 / 10.0)
    } else {
        None
    };
    no_trailing(b, at, WHAT)?;
    Ok(RunningSpeedCadence {
        speed_mps: speed as f32 / 256.0,
        cadence,
        stride_m,
        distance_m,
        running: flags & 0x04 != 0,
    })
}

/// Encode an RSC Measurement (speed in 1/256 m/s, stride in cm, distance in dm, rounded).
pub fn encode_rsc(m: &RunningSpeedCadence) -> Vec<u8> {
    let mut flags = if m.running { 0x04 } else { 0 };
    let mut body = Vec::new();
    body.extend(((m.speed_mps * 256.0).round() as u16).to_le_bytes());
    body.push(m.cadence);
    if let Some(s) = m.stride_m {
        flags |= 0x01;
        body.extend(((s * 100.0).round() as u16).to_le_bytes());
    }
    if let Some(d) = m.distance_m {
        flags |= 0x02;
        body.extend(((d * 10.0).round() as u32).to_le_bytes());
    }
    let mut out = vec![flags];
    out.extend(body);
    out
}

/// 0x2A5B CSC Measurement: cumulative counters and event times (1/1024 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CyclingSample {
    pub wheel: Option<(u32, u16)>,
    pub crank: Option<(u16, u16)>,
}

pub fn parse_csc(b: &[u8]) -> Result<CyclingSample, GattError> {
    const WHAT: &str = "CSC measurement";
    let mut at = 0;
    let [flags] = take::<1>(b, &mut at, WHAT)?;
    let wheel = if flags & 0x01 != 0 {
        let revs = u32::from_le_bytes(take::<4>(b, &mut at, WHAT)?);
        let time = u16::from_le_bytes(take::<2>(b, &mut at, WHAT)?);
        Some((revs, time))
    } else {
        None
    };
    let crank = if flags & 0x02 != 0 {
        let revs = u16::from_le_bytes(take::<2>(b, &mut at, WHAT)?);
        let time = u16::from_le_bytes(take::<2>(b, &mut at, WHAT)?);
        Some((revs, time))
    } else {
        None
    };
    no_trailing(b, at, WHAT)?;
    Ok(CyclingSample { wheel, crank })
}

/// Encode a CSC Measurement.
pub fn encode_csc(m: &CyclingSample) -> Vec<u8> {
    let mut out = vec![0u8];
    if let Some((revs, time)) = m.wheel {
        out[0] |= 0x01;
        out.extend(revs.to_le_bytes());
        out.extend(time.to_le_bytes());
    }
    if let Some((revs, time)) = m.crank {
        out[0] |= 0x02;
        out.extend(revs.to_le_bytes());
        out.extend(time.to_le_bytes());
    }
    out
}

/// Crank cadence (rpm) between two samples, with counter wrap; `None` while coasting (the
/// event time did not move) or without crank data in both.
pub fn crank_rpm(prev: &CyclingSample, now: &CyclingSample) -> Option<f32> {
    let ((r0, t0), (r1, t1)) = (prev.crank?, now.crank?);
    let dt = t1.wrapping_sub(t0);
    if dt == 0 {
        return None;
    }
    let revs = r1.wrapping_sub(r0);
    Some(revs as f32 * 60.0 * 1024.0 / dt as f32)
}

/// 0x2A19 Battery Level, percent.
pub fn parse_battery(b: &[u8]) -> Result<u8, GattError> {
    match b {
        [p] if *p <= 100 => Ok(*p),
        [p] => Err(GattError::Impossible {
            what: "battery level (%)",
            value: *p as u32,
        }),
        [] => Err(GattError::Short {
            what: "battery level",
            len: 0,
            need: 1,
        }),
        more => Err(GattError::Trailing {
            what: "battery level",
            extra: more.len() - 1,
        }),
    }
}

/// 0x2A38 Body Sensor Location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyLocation {
    Other,
    Chest,
    Wrist,
    Finger,
    Hand,
    EarLobe,
    Foot,
}

pub fn parse_body_location(b: &[u8]) -> Result<BodyLocation, GattError> {
    const WHAT: &str = "body sensor location";
    let [v] = b else {
        return Err(if b.is_empty() {
            GattError::Short {
                what: WHAT,
                len: 0,
                need: 1,
            }
        } else {
            GattError::Trailing {
                what: WHAT,
                extra: b.len() - 1,
            }
        });
    };
    Ok(match v {
        0 => BodyLocation::Other,
        1 => BodyLocation::Chest,
        2 => BodyLocation::Wrist,
        3 => BodyLocation::Finger,
        4 => BodyLocation::Hand,
        5 => BodyLocation::EarLobe,
        6 => BodyLocation::Foot,
        other => {
            return Err(GattError::Impossible {
                what: WHAT,
                value: *other as u32,
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn heart_rate_layouts() {
        // u8 HR 72, contact detected, two RR of 1024/1024 s and 512/1024 s.
        let m = parse_heart_rate(&[0x16, 72, 0x00, 0x04, 0x00, 0x02]).unwrap();
        assert_eq!(m.bpm, 72);
        assert_eq!(m.contact, Contact::Detected);
        assert_eq!(m.rr_ms, vec![1000.0, 500.0]);
        // u16 HR 300 is impossible; u16 HR 180 with energy 0x1234.
        assert!(matches!(
            parse_heart_rate(&[0x01, 0x2C, 0x01]),
            Err(GattError::Impossible { .. })
        ));
        let m = parse_heart_rate(&[0x09, 180, 0, 0x34, 0x12]).unwrap();
        assert_eq!((m.bpm, m.energy_kj), (180, Some(0x1234)));
        // Contact supported but lost; reserved bits ignored.
        assert_eq!(
            parse_heart_rate(&[0xE4, 60]).unwrap().contact,
            Contact::Lost
        );
        // Malformed: empty, HR missing, odd RR byte, trailing bytes, HR 0.
        for bad in [
            &[][..],
            &[0x01, 70][..],
            &[0x10, 70, 1, 2, 3][..],
            &[0x00, 70, 9][..],
            &[0x00, 0][..],
        ] {
            assert!(parse_heart_rate(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rsc_csc_battery_location() {
        let r = parse_rsc(&[0x07, 0x00, 0x03, 170, 0x64, 0x00, 0x10, 0x27, 0, 0]).unwrap();
        assert_eq!(r.speed_mps, 3.0);
        assert_eq!(r.cadence, 170);
        assert_eq!(r.stride_m, Some(1.0));
        assert_eq!(r.steps_per_minute(), 170.0);
        let strides = RunningSpeedCadence {
            cadence: 85,
            speed_mps: 3.0,
            ..r.clone()
        };
        assert_eq!(strides.steps_per_minute(), 170.0, "a pod counting strides");
        let walking = RunningSpeedCadence {
            cadence: 110,
            speed_mps: 1.4,
            ..r.clone()
        };
        assert_eq!(walking.steps_per_minute(), 110.0);
        assert_eq!(r.distance_m, Some(1000.0));
        assert!(r.running);
        assert!(
            parse_rsc(&[0x01, 0, 3, 170]).is_err(),
            "stride announced, missing"
        );
        let a = parse_csc(&[0x02, 0xFF, 0xFF, 0x00, 0xFC]).unwrap();
        let b = parse_csc(&[0x02, 0x01, 0x00, 0x00, 0x04]).unwrap();
        // Two revolutions across the u16 wrap in 0x0800/1024 = 2 s: 60 rpm.
        assert_eq!(crank_rpm(&a, &b), Some(60.0));
        assert_eq!(crank_rpm(&b, &b), None, "coasting");
        assert_eq!(parse_battery(&[87]), Ok(87));
        assert!(
            parse_battery(&[101]).is_err()
                && parse_battery(&[]).is_err()
                && parse_battery(&[1, 2]).is_err()
        );
        assert_eq!(parse_body_location(&[1]), Ok(BodyLocation::Chest));
        assert!(parse_body_location(&[7]).is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..32)) {
            let _ = parse_heart_rate(&bytes);
            let _ = parse_rsc(&bytes);
            let _ = parse_csc(&bytes);
            let _ = parse_battery(&bytes);
            let _ = parse_body_location(&bytes);
        }

        #[test]
        fn rsc_round_trips(
            flags in 0u8..8,
            speed in any::<u16>(),
            cadence in any::<u8>(),
            stride in any::<u16>(),
            distance in any::<u32>(),
        ) {
            let mut b = vec![flags];
            b.extend(speed.to_le_bytes());
            b.push(cadence);
            if flags & 1 != 0 {
                b.extend(stride.to_le_bytes());
            }
            if flags & 2 != 0 {
                b.extend(distance.to_le_bytes());
            }
            let m = parse_rsc(&b).unwrap();
            prop_assert_eq!(encode_rsc(&m), b.clone());
            prop_assert_eq!(parse_rsc(&encode_rsc(&m)).unwrap(), m);
        }

        #[test]
        fn csc_round_trips(
            wheel in proptest::option::of((any::<u32>(), any::<u16>())),
            crank in proptest::option::of((any::<u16>(), any::<u16>())),
        ) {
            let m = CyclingSample { wheel, crank };
            prop_assert_eq!(parse_csc(&encode_csc(&m)).unwrap(), m);
        }

        #[test]
        fn heart_rate_round_trips(
            bpm in 1u16..=250,
            contact in 0u8..3,
            energy in proptest::option::of(any::<u16>()),
            rr in proptest::collection::vec(1u16..=4000, 0..9),
        ) {
            let m = HeartRate {
                bpm,
                contact: [Contact::Unsupported, Contact::Lost, Contact::Detected][contact as usize],
                energy_kj: energy,
                rr_ms: rr.iter().map(|&r| r as f32 * 1000.0 / 1024.0).collect(),
            };
            prop_assert_eq!(parse_heart_rate(&encode_heart_rate(&m)).unwrap(), m);
        }
    }
}
