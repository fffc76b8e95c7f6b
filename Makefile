# Install attuned for the current user: binaries, the systemd user unit and D-Bus activation.
#   make install            (PREFIX defaults to ~/.local)
#   make install-tray       the panel item, started with the desktop session
#   systemctl --user enable --now attuned
PREFIX ?= $(HOME)/.local
BINDIR ?= $(PREFIX)/bin
UNITDIR ?= $(HOME)/.config/systemd/user
DBUSDIR ?= $(PREFIX)/share/dbus-1/services
AUTOSTARTDIR ?= $(HOME)/.config/autostart
ICONDIR ?= $(PREFIX)/share/icons

.PHONY: install install-tray uninstall
install:
	cargo build --release --locked
	install -Dm755 target/release/attuned $(BINDIR)/attuned
	install -Dm755 target/release/attunectl $(BINDIR)/attunectl
	mkdir -p $(UNITDIR) $(DBUSDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' systemd/attuned.service.in > $(UNITDIR)/attuned.service
	sed 's|@BINDIR@|$(BINDIR)|g' systemd/io.github.Attuned.service.in > $(DBUSDIR)/io.github.Attuned.service
	-systemctl --user daemon-reload

# The panel item, started with the desktop session (XDG autostart).
install-tray:
	mkdir -p $(AUTOSTARTDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' data/attuned-tray.desktop.in > $(AUTOSTARTDIR)/attuned-tray.desktop
	for f in data/icons/hicolor/scalable/apps/*.svg data/icons/hicolor/symbolic/apps/*.svg; do \
		install -Dm644 $$f $(ICONDIR)/$${f#data/icons/}; done
	-gtk-update-icon-cache -q -t $(ICONDIR)/hicolor

uninstall:
	-systemctl --user disable --now attuned
	rm -f $(BINDIR)/attuned $(BINDIR)/attunectl $(UNITDIR)/attuned.service $(DBUSDIR)/io.github.Attuned.service
	rm -f $(AUTOSTARTDIR)/attuned-tray.desktop
	rm -f $(ICONDIR)/hicolor/scalable/apps/attuned-*.svg $(ICONDIR)/hicolor/symbolic/apps/attuned-*-symbolic.svg
