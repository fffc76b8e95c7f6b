//! The GATT parsers under fuzzing. They are compiled here from the daemon's own source file
//! (`src/sensor/gatt.rs`, pure and dependency-free but for `thiserror`), so the fuzz build
//! instruments exactly the code the daemon runs without instrumenting and building the
//! daemon's whole dependency tree (audio, D-Bus, ONNX) for every fuzz run.

#[path = "../../src/sensor/gatt.rs"]
pub mod gatt;
