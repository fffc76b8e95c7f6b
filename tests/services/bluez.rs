//! A BlueZ-shaped service on a private "system" bus, for btleplug to talk to where there is
//! no radio: `org.bluez` with an ObjectManager at `/`, an adapter `hci0`, and simulated
//! devices (a heart-rate strap, a running foot pod) whose GATT services appear on `Connect`
//! and whose measurement characteristics notify by changing `Value`, as bluetoothd does.
//! Only the parts btleplug (through bluez-async) uses are implemented; the pitfalls are in
//! `shared/notes/test-services.md`. The test drives it directly: devices come and go,
//! notifications are sent on demand, and it counts `StartNotify` calls so that duplicate
//! subscriptions show.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use zbus::object_server::{ObjectServer, SignalEmitter};
use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue};
use zbus::{fdo, interface};

pub const ADAPTER: &str = "/org/bluez/hci0";

fn uuid16(short: u16) -> String {
    format!("0000{short:04x}-0000-1000-8000-00805f9b34fb")
}

/// What a simulated device offers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Profile {
    /// Heart Rate service (0x2A37, notify) + Battery (0x2A19, read).
    HeartStrap,
    /// Running Speed and Cadence (0x2A53, notify) + Battery.
    FootPod,
}

impl Profile {
    fn service(self) -> u16 {
        match self {
            Profile::HeartStrap => 0x180D,
            Profile::FootPod => 0x1814,
        }
    }
    fn measurement(self) -> u16 {
        match self {
            Profile::HeartStrap => 0x2A37,
            Profile::FootPod => 0x2A53,
        }
    }
}

/// Counts per characteristic, shared with the test.
#[derive(Debug, Default)]
pub struct NotifyStats {
    pub start_calls: AtomicU32,
    /// `StartNotify` while already notifying: a duplicate subscription.
    pub duplicates: AtomicU32,
    pub notifying: AtomicBool,
}

struct DeviceState {
    path: String,
    address: String,
    name: String,
    profile: Profile,
    rssi: i16,
    connected: AtomicBool,
    battery: u8,
    stats: Arc<NotifyStats>,
    connects: AtomicU32,
}

impl DeviceState {
    fn gatt_paths(&self) -> (String, String, String, String) {
        let p = &self.path;
        (
            format!("{p}/service0010"),
            format!("{p}/service0010/char0011"),
            format!("{p}/service0020"),
            format!("{p}/service0020/char0021"),
        )
    }
}

/// bluetoothd's own errors.
#[derive(Debug, zbus::DBusError)]
#[zbus(prefix = "org.bluez.Error")]
enum BluezError {
    #[zbus(error)]
    ZBus(zbus::Error),
    InProgress(String),
}

struct MockAdapter {
    powered: bool,
    discovering: bool,
}

#[interface(name = "org.bluez.Adapter1", introspection_docs = false)]
impl MockAdapter {
    /// As bluetoothd: a second StartDiscovery from the same client is refused.
    async fn start_discovery(
        &mut self,
        #[zbus(signal_emitter)] e: SignalEmitter<'_>,
    ) -> Result<(), BluezError> {
        if self.discovering {
            return Err(BluezError::InProgress(
                "Operation already in progress".into(),
            ));
        }
        self.discovering = true;
        let _ = self.discovering_changed(&e).await;
        Ok(())
    }
    async fn stop_discovery(&mut self, #[zbus(signal_emitter)] e: SignalEmitter<'_>) {
        self.discovering = false;
        let _ = self.discovering_changed(&e).await;
    }
    fn set_discovery_filter(&self, _filter: HashMap<String, OwnedValue>) {}
    fn get_discovery_filters(&self) -> Vec<String> {
        vec!["UUIDs".into(), "Transport".into(), "DuplicateData".into()]
    }
    fn remove_device(&self, _device: OwnedObjectPath) {}

    #[zbus(property)]
    fn address(&self) -> String {
        "00:1A:7D:DA:71:13".into()
    }
    #[zbus(property)]
    fn address_type(&self) -> String {
        "public".into()
    }
    #[zbus(property)]
    fn name(&self) -> String {
        "attuned-test".into()
    }
    #[zbus(property)]
    fn alias(&self) -> String {
        "attuned-test".into()
    }
    #[zbus(property)]
    fn modalias(&self) -> String {
        "usb:v1D6Bp0246d0540".into()
    }
    #[zbus(property)]
    fn powered(&self) -> bool {
        self.powered
    }
    #[zbus(property)]
    fn set_powered(&mut self, on: bool) {
        self.powered = on;
    }
    #[zbus(property)]
    fn discovering(&self) -> bool {
        self.discovering
    }
}

struct MockDevice(Arc<DeviceState>);

#[interface(name = "org.bluez.Device1", introspection_docs = false)]
impl MockDevice {
    async fn connect(
        &self,
        #[zbus(object_server)] server: &ObjectServer,
        #[zbus(signal_emitter)] e: SignalEmitter<'_>,
    ) -> fdo::Result<()> {
        let d = &self.0;
        if !d.connected.load(Ordering::SeqCst) {
            let (s1, c1, s2, c2) = d.gatt_paths();
            let device = ObjectPath::try_from(d.path.clone()).unwrap().into();
            let measurement = MockCharacteristic {
                uuid: uuid16(d.profile.measurement()),
                service: ObjectPath::try_from(s1.clone()).unwrap().into(),
                flags: vec!["notify".into()],
                value: Vec::new(),
                stats: d.stats.clone(),
            };
            let battery = MockCharacteristic {
                uuid: uuid16(0x2A19),
                service: ObjectPath::try_from(s2.clone()).unwrap().into(),
                flags: vec!["read".into()],
                value: vec![d.battery],
                stats: Arc::new(NotifyStats::default()),
            };
            server
                .at(
                    s1.as_str(),
                    MockService {
                        uuid: uuid16(d.profile.service()),
                        device: ObjectPath::try_from(d.path.clone()).unwrap().into(),
                    },
                )
                .await?;
            server.at(c1.as_str(), measurement).await?;
            server
                .at(
                    s2.as_str(),
                    MockService {
                        uuid: uuid16(0x180F),
                        device,
                    },
                )
                .await?;
            server.at(c2.as_str(), battery).await?;
            d.connected.store(true, Ordering::SeqCst);
            d.connects.fetch_add(1, Ordering::SeqCst);
        }
        // The template-free truth of bluetoothd: Connected and ServicesResolved change.
        self.connected_changed(&e).await?;
        self.services_resolved_changed(&e).await?;
        Ok(())
    }
    async fn disconnect(
        &self,
        #[zbus(object_server)] server: &ObjectServer,
        #[zbus(signal_emitter)] e: SignalEmitter<'_>,
    ) -> fdo::Result<()> {
        drop_gatt(&self.0, server).await;
        self.connected_changed(&e).await?;
        self.services_resolved_changed(&e).await?;
        Ok(())
    }
    fn pair(&self) {}
    fn cancel_pairing(&self) {}

    #[zbus(property)]
    fn address(&self) -> String {
        self.0.address.clone()
    }
    #[zbus(property)]
    fn address_type(&self) -> String {
        "random".into()
    }
    #[zbus(property)]
    fn name(&self) -> String {
        self.0.name.clone()
    }
    #[zbus(property)]
    fn alias(&self) -> String {
        self.0.name.clone()
    }
    #[zbus(property)]
    fn adapter(&self) -> OwnedObjectPath {
        ObjectPath::try_from(ADAPTER).unwrap().into()
    }
    #[zbus(property)]
    fn paired(&self) -> bool {
        false
    }
    #[zbus(property)]
    fn connected(&self) -> bool {
        self.0.connected.load(Ordering::SeqCst)
    }
    #[zbus(property)]
    fn services_resolved(&self) -> bool {
        self.0.connected.load(Ordering::SeqCst)
    }
    #[zbus(property)]
    fn trusted(&self) -> bool {
        false
    }
    #[zbus(property)]
    fn blocked(&self) -> bool {
        false
    }
    #[zbus(property)]
    fn legacy_pairing(&self) -> bool {
        false
    }
    #[zbus(property, name = "RSSI")]
    fn rssi(&self) -> i16 {
        self.0.rssi
    }
    #[zbus(property, name = "UUIDs")]
    fn uuids(&self) -> Vec<String> {
        vec![uuid16(self.0.profile.service()), uuid16(0x180F)]
    }
}

async fn drop_gatt(d: &DeviceState, server: &ObjectServer) {
    if d.connected.swap(false, Ordering::SeqCst) {
        let (s1, c1, s2, c2) = d.gatt_paths();
        let _ = server.remove::<MockCharacteristic, _>(c1.as_str()).await;
        let _ = server.remove::<MockCharacteristic, _>(c2.as_str()).await;
        let _ = server.remove::<MockService, _>(s1.as_str()).await;
        let _ = server.remove::<MockService, _>(s2.as_str()).await;
        d.stats.notifying.store(false, Ordering::SeqCst);
    }
}

struct MockService {
    uuid: String,
    device: OwnedObjectPath,
}

#[interface(name = "org.bluez.GattService1", introspection_docs = false)]
impl MockService {
    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        self.uuid.clone()
    }
    #[zbus(property)]
    fn primary(&self) -> bool {
        true
    }
    #[zbus(property)]
    fn device(&self) -> OwnedObjectPath {
        self.device.clone()
    }
}

struct MockCharacteristic {
    uuid: String,
    service: OwnedObjectPath,
    flags: Vec<String>,
    value: Vec<u8>,
    stats: Arc<NotifyStats>,
}

#[interface(name = "org.bluez.GattCharacteristic1", introspection_docs = false)]
impl MockCharacteristic {
    fn read_value(&self, _options: HashMap<String, OwnedValue>) -> Vec<u8> {
        self.value.clone()
    }
    fn write_value(&mut self, value: Vec<u8>, _options: HashMap<String, OwnedValue>) {
        self.value = value;
    }
    async fn start_notify(&self, #[zbus(signal_emitter)] e: SignalEmitter<'_>) {
        self.stats.start_calls.fetch_add(1, Ordering::SeqCst);
        if self.stats.notifying.swap(true, Ordering::SeqCst) {
            self.stats.duplicates.fetch_add(1, Ordering::SeqCst);
        }
        let _ = self.notifying_changed(&e).await;
    }
    async fn stop_notify(&self, #[zbus(signal_emitter)] e: SignalEmitter<'_>) {
        self.stats.notifying.store(false, Ordering::SeqCst);
        let _ = self.notifying_changed(&e).await;
    }

    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        self.uuid.clone()
    }
    #[zbus(property)]
    fn service(&self) -> OwnedObjectPath {
        self.service.clone()
    }
    #[zbus(property)]
    fn value(&self) -> Vec<u8> {
        self.value.clone()
    }
    #[zbus(property)]
    fn notifying(&self) -> bool {
        self.stats.notifying.load(Ordering::SeqCst)
    }
    #[zbus(property)]
    fn flags(&self) -> Vec<String> {
        self.flags.clone()
    }
}

/// The running mock, on its own tokio runtime.
pub struct Bluez {
    rt: tokio::runtime::Runtime,
    bus: String,
    conn: Option<zbus::Connection>,
    devices: Mutex<HashMap<String, Arc<DeviceState>>>,
}

fn device_path(address: &str) -> String {
    format!("{ADAPTER}/dev_{}", address.replace(':', "_"))
}

impl Bluez {
    /// Connect to the bus at `bus` (a D-Bus address) and serve `org.bluez` with one adapter.
    pub fn start(bus: &str) -> Bluez {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let mut b = Bluez {
            rt,
            bus: bus.to_owned(),
            conn: None,
            devices: Mutex::new(HashMap::new()),
        };
        b.serve();
        b.add_adapter(true);
        b
    }

    /// `org.bluez` with no adapter (a machine without a Bluetooth controller).
    pub fn start_without_adapter(bus: &str) -> Bluez {
        let mut b = Bluez::start(bus);
        let server = b.server();
        b.rt.block_on(async move { server.remove::<MockAdapter, _>(ADAPTER).await })
            .unwrap();
        b.devices.get_mut().unwrap().clear();
        b
    }

    fn serve(&mut self) {
        let bus = self.bus.clone();
        let conn = self.rt.block_on(async move {
            zbus::connection::Builder::address(bus.as_str())?
                .serve_at("/", fdo::ObjectManager)?
                .name("org.bluez")?
                .build()
                .await
        });
        self.conn = Some(conn.expect("the BlueZ mock cannot start"));
        self.devices.lock().unwrap().clear();
    }

    /// An adapter `hci0` appears, powered or not.
    pub fn add_adapter(&self, powered: bool) {
        let server = self.server();
        let adapter = MockAdapter {
            powered,
            discovering: false,
        };
        self.rt
            .block_on(async move { server.at(ADAPTER, adapter).await })
            .unwrap();
    }

    /// Switch the adapter on or off (as `bluetoothctl power on|off` would).
    pub fn set_powered(&self, on: bool) {
        let server = self.server();
        self.rt.block_on(async move {
            let iface = server.interface::<_, MockAdapter>(ADAPTER).await.unwrap();
            iface.get_mut().await.powered = on;
            let a = iface.get().await;
            a.powered_changed(iface.signal_emitter()).await.unwrap();
        });
    }

    /// bluetoothd goes away (its bus name and every object with it).
    pub fn stop(&mut self) {
        if let Some(c) = self.conn.take() {
            self.rt.block_on(async move { c.close().await }).unwrap();
        }
    }

    fn server(&self) -> ObjectServer {
        self.conn.as_ref().expect("running").object_server().clone()
    }

    /// A device comes into range (BlueZ now lists it). Returns its notify counters.
    pub fn add_device(&self, profile: Profile, address: &str, name: &str) -> Arc<NotifyStats> {
        let stats = Arc::new(NotifyStats::default());
        let state = Arc::new(DeviceState {
            path: device_path(address),
            address: address.to_owned(),
            name: name.to_owned(),
            profile,
            rssi: -58,
            connected: AtomicBool::new(false),
            battery: 87,
            stats: stats.clone(),
            connects: AtomicU32::new(0),
        });
        let server = self.server();
        let dev = MockDevice(state.clone());
        let path = state.path.clone();
        self.rt
            .block_on(async move { server.at(path.as_str(), dev).await })
            .unwrap();
        self.devices
            .lock()
            .unwrap()
            .insert(address.to_owned(), state);
        stats
    }

    /// The device goes out of range: the link drops and BlueZ forgets it.
    pub fn remove_device(&self, address: &str) {
        let state = self.devices.lock().unwrap().remove(address).expect("known");
        let server = self.server();
        self.rt.block_on(async move {
            let was_connected = state.connected.load(Ordering::SeqCst);
            drop_gatt(&state, &server).await;
            if was_connected {
                let iface = server
                    .interface::<_, MockDevice>(state.path.as_str())
                    .await
                    .unwrap();
                let dev = iface.get().await;
                dev.connected_changed(iface.signal_emitter()).await.unwrap();
            }
            server
                .remove::<MockDevice, _>(state.path.as_str())
                .await
                .unwrap();
        });
    }

    /// Whether the adapter is discovering (someone forgot to stop a scan, if it stays on).
    pub fn discovering(&self) -> bool {
        let server = self.server();
        self.rt.block_on(async move {
            let iface = server.interface::<_, MockAdapter>(ADAPTER).await.unwrap();
            iface.get().await.discovering
        })
    }

    /// Whether the device is connected now.
    pub fn connected(&self, address: &str) -> bool {
        self.devices
            .lock()
            .unwrap()
            .get(address)
            .is_some_and(|d| d.connected.load(Ordering::SeqCst))
    }

    /// Times the device was connected.
    pub fn connects(&self, address: &str) -> u32 {
        self.devices.lock().unwrap()[address]
            .connects
            .load(Ordering::SeqCst)
    }

    /// Send a notification with `value` from the device's measurement characteristic;
    /// `false` if nobody is subscribed (nothing is sent).
    pub fn notify(&self, address: &str, value: &[u8]) -> bool {
        let Some(state) = self.devices.lock().unwrap().get(address).cloned() else {
            return false;
        };
        if !state.stats.notifying.load(Ordering::SeqCst) {
            return false;
        }
        let server = self.server();
        let value = value.to_vec();
        self.rt.block_on(async move {
            let (_, c1, _, _) = state.gatt_paths();
            let Ok(iface) = server.interface::<_, MockCharacteristic>(c1.as_str()).await else {
                return false;
            };
            iface.get_mut().await.value = value;
            let c = iface.get().await;
            c.value_changed(iface.signal_emitter()).await.is_ok()
        })
    }
}

impl Drop for Bluez {
    fn drop(&mut self) {
        self.stop();
    }
}
