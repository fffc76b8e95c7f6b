//! 0x2A19: one byte of 0..=100, anything else an error, never a panic.
#![no_main]

use attuned_fuzz::gatt::parse_battery;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse_battery(data) {
        Ok(p) => assert!(data.len() == 1 && p <= 100),
        Err(_) => assert!(data.len() != 1 || data[0] > 100),
    }
});
