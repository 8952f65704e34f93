# The guichet system user, its data folder, the configuration readable by it only.
getent passwd guichet >/dev/null || useradd --system --user-group --home-dir /var/lib/guichet --no-create-home --shell /sbin/nologin --comment "Serveur Guichet" guichet
install -d -o guichet -g guichet -m 0750 /var/lib/guichet
chown root:guichet /etc/guichet /etc/guichet/server.toml
chmod 0750 /etc/guichet
chmod 0640 /etc/guichet/server.toml
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
