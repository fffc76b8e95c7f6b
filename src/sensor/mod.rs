//! Body sensors. So far: [`gatt`], the parsers of the standard BLE characteristics (heart
//! rate, running and cycling speed/cadence, battery, body location). The BLE source and the
//! recording/replay source follow (issue 4).

pub mod gatt;
