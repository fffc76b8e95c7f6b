//! The bus's front door: every call to one of our interfaces has its arguments' signature
//! checked against the interface's own introspection before zbus reads them, so a wrong
//! or extra argument is `InvalidArgs` (zbus would answer its own
//! `org.freedesktop.zbus.Error` "Signature mismatch", or drop extra arguments), `Set` on a
//! read-only property is `PropertyReadOnly`, and an unknown property name comes back
//! quoted by a short prefix, not echoed whole. A call over [`MAX_CALL_BYTES`] is refused
//! (`LimitsExceeded`) before anything is read from it.
//!
//! [`Gated`] wraps an interface and is what the object server holds; it dereferences to the
//! interface, so property-change signals are emitted as before. The standard
//! `org.freedesktop.DBus.Properties` at our paths is gated too ([`gate_properties`]).

use crate::quoted::Quoted;
use std::collections::HashMap;
use std::fmt::Write;
use zbus::object_server::{DispatchResult2, Interface, SignalEmitter};
use zbus::zvariant::{OwnedValue, Value};
use zbus::{Connection, ObjectServer, fdo, message, message::Message, names::MemberName};

/// The most a call's arguments may take. The largest a client needs is a motif of
/// [`crate::compose::given::MAX_NOTES`] notes, under 2 KiB; the bus would pass 128 MiB.
pub const MAX_CALL_BYTES: usize = 64 * 1024;

/// An interface behind the gate, with what its introspection says each method takes and
/// which properties are read-only.
pub struct Gated<I> {
    inner: I,
    /// Method name → the signature of its in-arguments (no parentheses).
    methods: HashMap<String, String>,
    /// Property name → writable.
    properties: HashMap<String, bool>,
}

impl<I: Interface> Gated<I> {
    pub fn new(inner: I) -> Self {
        let mut xml = String::new();
        inner.introspect_to_writer(&mut xml, 0);
        let (methods, properties) = contract(&xml);
        Self {
            inner,
            methods,
            properties,
        }
    }

    fn refusal(&self, msg: &Message, name: &str) -> Option<fdo::Error> {
        let expected = self.methods.get(name)?;
        let size = msg.body().len();
        if size > MAX_CALL_BYTES {
            return Some(fdo::Error::LimitsExceeded(format!(
                "{name}: a call of {size} bytes; a call carries at most {MAX_CALL_BYTES}"
            )));
        }
        let got = msg.body().signature().to_string_no_parens();
        (got != *expected).then(|| {
            fdo::Error::InvalidArgs(format!(
                "{name}: expected arguments `{expected}`, got {}",
                Quoted(&got)
            ))
        })
    }
}

impl<I> std::ops::Deref for Gated<I> {
    type Target = I;
    fn deref(&self) -> &I {
        &self.inner
    }
}

/// A refusal as the dispatcher sends it: an error reply unless none is wanted.
fn refuse<'a>(conn: &'a Connection, msg: &'a Message, e: fdo::Error) -> DispatchResult2<'a> {
    DispatchResult2::new_async(conn, msg, async move { Err::<(), _>(e) })
}

fn unknown_property(name: &str) -> fdo::Error {
    fdo::Error::UnknownProperty(format!("no property {}", Quoted(name)))
}

#[async_trait::async_trait]
impl<I: Interface> Interface for Gated<I> {
    fn name() -> zbus::names::InterfaceName<'static> {
        I::name()
    }

    fn spawn_tasks_for_methods(&self) -> bool {
        self.inner.spawn_tasks_for_methods()
    }

    async fn get(
        &self,
        property_name: &str,
        server: &ObjectServer,
        connection: &Connection,
        header: Option<&message::Header<'_>>,
        emitter: &SignalEmitter<'_>,
    ) -> Option<fdo::Result<OwnedValue>> {
        let got = self
            .inner
            .get(property_name, server, connection, header, emitter)
            .await;
        Some(got.unwrap_or_else(|| Err(unknown_property(property_name))))
    }

    async fn get_all(
        &self,
        server: &ObjectServer,
        connection: &Connection,
        header: Option<&message::Header<'_>>,
        emitter: &SignalEmitter<'_>,
    ) -> fdo::Result<HashMap<String, OwnedValue>> {
        self.inner
            .get_all(server, connection, header, emitter)
            .await
    }

    fn set<'call>(
        &'call self,
        property_name: &'call str,
        value: &'call Value<'_>,
        server: &'call ObjectServer,
        connection: &'call Connection,
        header: Option<&'call message::Header<'_>>,
        emitter: &'call SignalEmitter<'_>,
    ) -> DispatchResult2<'call> {
        let refusal = match self.properties.get(property_name) {
            None => unknown_property(property_name),
            Some(false) => fdo::Error::PropertyReadOnly(format!("{property_name} is read-only")),
            Some(true) => {
                return self
                    .inner
                    .set(property_name, value, server, connection, header, emitter);
            }
        };
        DispatchResult2::Async(Box::pin(async move { Err(refusal) }))
    }

    async fn set_mut(
        &mut self,
        property_name: &str,
        value: &Value<'_>,
        server: &ObjectServer,
        connection: &Connection,
        header: Option<&message::Header<'_>>,
        emitter: &SignalEmitter<'_>,
    ) -> Option<fdo::Result<()>> {
        self.inner
            .set_mut(property_name, value, server, connection, header, emitter)
            .await
    }

    fn call<'call>(
        &'call self,
        server: &'call ObjectServer,
        connection: &'call Connection,
        msg: &'call Message,
        name: MemberName<'call>,
    ) -> DispatchResult2<'call> {
        match self.refusal(msg, name.as_str()) {
            Some(e) => refuse(connection, msg, e),
            None => self.inner.call(server, connection, msg, name),
        }
    }

    fn call_mut<'call>(
        &'call mut self,
        server: &'call ObjectServer,
        connection: &'call Connection,
        msg: &'call Message,
        name: MemberName<'call>,
    ) -> DispatchResult2<'call> {
        match self.refusal(msg, name.as_str()) {
            Some(e) => refuse(connection, msg, e),
            None => self.inner.call_mut(server, connection, msg, name),
        }
    }

    fn introspect_to_writer(&self, writer: &mut dyn Write, level: usize) {
        self.inner.introspect_to_writer(writer, level)
    }
}

/// Puts the gate in front of the standard Properties interface at `path` (zbus adds its
/// own to every object; its `Get`, `Set` and `GetAll` read their arguments unchecked).
pub async fn gate_properties(server: &ObjectServer, path: &str) -> zbus::Result<()> {
    server.remove::<fdo::Properties, _>(path).await?;
    server.at(path, Gated::new(fdo::Properties)).await?;
    Ok(())
}

/// Each method's in-argument signature and each property's writability, from an
/// interface's introspection XML (zbus writes it: one element per tag, attributes in
/// double quotes; documentation in comments, which may hold anything and are skipped).
fn contract(xml: &str) -> (HashMap<String, String>, HashMap<String, bool>) {
    let mut methods = HashMap::new();
    let mut properties = HashMap::new();
    let mut in_method: Option<String> = None;
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(end) = rest.find('>') else { break };
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        let attr = |key: &str| {
            let pat = format!(" {key}=\"");
            let at = tag.find(&pat)? + pat.len();
            tag[at..].find('"').map(|len| tag[at..at + len].to_owned())
        };
        let element = tag.split_whitespace().next().unwrap_or("");
        match element {
            "method" => {
                let name = attr("name").unwrap_or_default();
                methods.insert(name.clone(), String::new());
                in_method = (!tag.ends_with('/')).then_some(name);
            }
            "/method" => in_method = None,
            "arg" => {
                if let (Some(method), Some(ty)) = (&in_method, attr("type"))
                    && attr("direction").as_deref() != Some("out")
                {
                    methods.get_mut(method).unwrap().push_str(&ty);
                }
            }
            "property" => {
                if let Some(name) = attr("name") {
                    let access = attr("access").unwrap_or_default();
                    properties.insert(name, access.contains("write"));
                }
            }
            _ => {}
        }
    }
    (methods, properties)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_is_read_from_introspection() {
        let xml = r#"<interface name="x.Y">
  <!-- Sets the <b>preset</b>: "a > b" -->
  <method name="SetPreset">
    <arg name="name" type="s" direction="in"/>
  </method>
  <method name="Play">
  </method>
  <method name="Stop"/>
  <method name="Scan">
    <arg name="seconds" type="d" direction="in"/>
    <arg type="a(sd)" direction="out"/>
  </method>
  <method name="SetMotif">
    <arg name="notes" type="a(udd)"/>
    <arg name="tempo" type="d"/>
  </method>
  <signal name="Changed">
    <arg name="what" type="s"/>
  </signal>
  <property name="Volume" type="d" access="readwrite"/>
  <property name="Tempo" type="d" access="read">
    <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="false"/>
  </property>
</interface>"#;
        let (methods, properties) = contract(xml);
        let sig = |m: &str| methods.get(m).map(String::as_str);
        assert_eq!(sig("SetPreset"), Some("s"));
        assert_eq!(sig("Play"), Some(""));
        assert_eq!(sig("Stop"), Some(""));
        assert_eq!(sig("Scan"), Some("d"));
        assert_eq!(sig("SetMotif"), Some("a(udd)d"));
        assert_eq!(sig("Changed"), None);
        assert_eq!(properties.get("Volume"), Some(&true));
        assert_eq!(properties.get("Tempo"), Some(&false));
        assert_eq!(methods.len(), 5);
    }
}
