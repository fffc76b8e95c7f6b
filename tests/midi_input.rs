//! The MIDI input thread over a byte-stream port system (no MIDI server needed): a port
//! that appears is listened to, its notes are held on the shared keys at once, a phrase and
//! a two-bar pause become the motif, a port that goes lets its keys go and is taken back
//! when it returns, and no MIDI system at all is a status, said once.

mod services;

use attuned::compose::given::GivenNote;
use attuned::midi::input::{LiveInput, Wiring};
use attuned::midi::phrase::Meter;
use attuned::midi::{ByteSink, MidiStatus, MidiSystem, PortChoice};
use attuned::synth::live_keys::SharedKeys;
use services::wait_for;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The ports there are (`None`: no MIDI system) and the open port's byte sink.
#[derive(Clone, Default)]
struct Bench {
    ports: Arc<Mutex<Option<Vec<String>>>>,
    open: Arc<Mutex<Option<(String, ByteSink)>>>,
    opened: Arc<Mutex<u32>>,
}

struct Stream(Bench);

/// The open connection: closing it takes the sink away.
struct Connection(Bench);

impl Drop for Connection {
    fn drop(&mut self) {
        *self.0.open.lock().unwrap() = None;
    }
}

impl MidiSystem for Stream {
    fn ports(&mut self) -> Result<Vec<String>, String> {
        self.0
            .ports
            .lock()
            .unwrap()
            .clone()
            .ok_or_else(|| "no bench".to_owned())
    }
    fn open(&mut self, port: &str, sink: ByteSink) -> Result<Box<dyn std::any::Any>, String> {
        *self.0.open.lock().unwrap() = Some((port.to_owned(), sink));
        *self.0.opened.lock().unwrap() += 1;
        Ok(Box::new(Connection(self.0.clone())))
    }
}

impl Bench {
    fn set_ports(&self, ports: Option<&[&str]>) {
        *self.ports.lock().unwrap() = ports.map(|p| p.iter().map(|s| s.to_string()).collect());
    }
    fn play(&self, bytes: &[u8]) {
        let mut open = self.open.lock().unwrap();
        let (_, sink) = open.as_mut().expect("a port is open");
        sink(bytes);
    }
}

#[test]
fn ports_are_followed_notes_held_and_phrases_become_the_motif() {
    let bench = Bench::default();
    let keys = SharedKeys::default();
    let (motifs, got) = mpsc::channel::<Vec<GivenNote>>();
    // 240 bpm in 2/4: the two-bar pause is one second.
    let wiring = Wiring {
        keys: keys.clone(),
        meter: Box::new(|| Meter {
            bpm: 240.0,
            beats_per_bar: 2,
        }),
        motif: Box::new(move |m| motifs.send(m).unwrap()),
    };
    let system = Stream(bench.clone());
    let input = LiveInput::start(PortChoice::Auto, move || system, wiring);
    let status = input.status();
    wait_for("no MIDI system said", Duration::from_secs(2), || {
        matches!(status.get(), MidiStatus::NoSystem(_))
    });
    assert_eq!(status.get().to_string(), "no MIDI system (no bench)");

    // The system appears with only a loop-back port: waiting (auto never takes it).
    bench.set_ports(Some(&["Midi Through:Midi Through Port-0"]));
    wait_for("waiting", Duration::from_secs(5), || {
        status.get() == MidiStatus::Waiting
    });
    bench.set_ports(Some(&["Midi Through:Midi Through Port-0", "Keys:out"]));
    wait_for("listening", Duration::from_secs(3), || {
        status.get().to_string() == "listening to Keys:out"
    });

    // Notes are on the keys the moment they are played.
    bench.play(&[0x90, 60, 100]);
    assert_eq!(keys.held(), 1);
    std::thread::sleep(Duration::from_millis(250));
    bench.play(&[0x80, 60, 0, 0x90, 64, 90]);
    assert_eq!(keys.held(), 1);
    std::thread::sleep(Duration::from_millis(125));
    bench.play(&[64, 0, 67, 80]); // running status
    std::thread::sleep(Duration::from_millis(500));
    bench.play(&[0x90, 67, 0]);
    assert_eq!(keys.held(), 0);
    let t = Instant::now();
    let motif = got.recv_timeout(Duration::from_secs(3)).expect("a motif");
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(800),
        "{waited:?}: the pause is a second"
    );
    let notes: Vec<_> = motif.iter().map(|n| (n.midi, n.start, n.beats)).collect();
    // 250 ms is a beat at 240 bpm.
    assert_eq!(notes, [(60, 0.0, 1.0), (64, 1.0, 0.5), (67, 1.5, 2.0)]);
    wait_for("the phrase counted", Duration::from_secs(1), || {
        status.get().to_string() == "listening to Keys:out; 1 played phrase became the motif"
    });

    // Two notes are a stray touch: no motif.
    bench.play(&[0x90, 70, 50, 0x80, 70, 0, 0x90, 71, 50, 0x80, 71, 0]);
    assert!(got.recv_timeout(Duration::from_millis(1600)).is_err());

    // The port goes mid-phrase, a key held: the key is let go, the input waits, and the
    // phrase played so far is still taken after its pause (nothing else is lost).
    bench.play(&[
        0x90, 72, 100, 0x80, 72, 0, 0x90, 74, 100, 0x80, 74, 0, 0x90, 76, 100,
    ]);
    assert_eq!(keys.held(), 1);
    bench.set_ports(Some(&["Midi Through:Midi Through Port-0"]));
    wait_for("the key let go", Duration::from_secs(3), || {
        keys.held() == 0
    });
    let cut = got
        .recv_timeout(Duration::from_secs(3))
        .expect("the cut phrase");
    let notes: Vec<u8> = cut.iter().map(|n| n.midi).collect();
    assert_eq!(notes, [72, 74, 76]);
    wait_for("waiting again", Duration::from_secs(1), || {
        status.get() == MidiStatus::Waiting
    });
    assert!(
        bench.open.lock().unwrap().is_none(),
        "the connection is closed"
    );
    // … and it is taken back when it returns.
    bench.set_ports(Some(&["Keys:out"]));
    wait_for("listening again", Duration::from_secs(3), || {
        status
            .get()
            .to_string()
            .starts_with("listening to Keys:out")
    });
    assert_eq!(*bench.opened.lock().unwrap(), 2);
    assert!(
        status
            .get()
            .to_string()
            .ends_with("2 played phrases became the motif")
    );

    // The system goes away entirely: said in the status; no motif, no keys.
    bench.set_ports(None);
    wait_for("no system again", Duration::from_secs(3), || {
        matches!(status.get(), MidiStatus::NoSystem(_))
    });
    drop(input);
    assert!(bench.open.lock().unwrap().is_none());
}

#[test]
fn a_named_port_is_the_only_one_taken_and_off_opens_nothing() {
    let ports = vec!["Keys:out".to_owned(), "Pads:midi_out 1".to_owned()];
    assert_eq!(PortChoice::parse("pads").pick(&ports), Some(&ports[1]));
    assert_eq!(PortChoice::parse("drums").pick(&ports), None);
    assert_eq!(PortChoice::parse("auto").pick(&ports), Some(&ports[0]));
    assert_eq!(PortChoice::parse("off").pick(&ports), None);
    let own = vec!["attuned:in".to_owned()];
    assert_eq!(PortChoice::Auto.pick(&own), None, "never our own port");

    let bench = Bench::default();
    bench.set_ports(Some(&["Keys:out"]));
    let system = Stream(bench.clone());
    let input = LiveInput::start(
        PortChoice::Off,
        move || system,
        Wiring {
            keys: SharedKeys::default(),
            meter: Box::new(|| Meter {
                bpm: 60.0,
                beats_per_bar: 4,
            }),
            motif: Box::new(|_| panic!("no motif when off")),
        },
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(input.status().get(), MidiStatus::Off);
    assert_eq!(*bench.opened.lock().unwrap(), 0);
}
