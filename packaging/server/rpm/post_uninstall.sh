# The data (/var/lib/guichet) and the guichet user stay.
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
