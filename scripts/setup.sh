#!/usr/bin/env bash
# Installs what Guichet needs on Debian 12 when it is missing: the WebKitGTK
# build libraries, Xvfb and WebKitWebDriver, poppler (PDF checks), PostgreSQL,
# a mail server for the tests of the messages (aiosmtpd), the French locale,
# the UI's npm packages and tauri-driver. Sourced by the scripts that need them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  build-essential pkg-config libssl-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libxdo-dev
  xvfb xauth xdotool webkit2gtk-driver poppler-utils chromium chromium-driver chromium-l10n
  postgresql postgresql-client python3-aiosmtpd locales
)

install_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> apt: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The desk's WebKit and the browser run in French in the tests, as agents' and
# members' machines do (dates day first, the file chooser's words): the
# fr_FR.UTF-8 locale must exist.
install_french_locale() {
  if ! locale -a 2>/dev/null | grep -qi '^fr_FR\.utf-\?8$'; then
    echo "==> locale-gen fr_FR.UTF-8"
    $SUDO sed -i 's/^# *fr_FR.UTF-8 UTF-8/fr_FR.UTF-8 UTF-8/' /etc/locale.gen
    $SUDO locale-gen >/dev/null
  fi
}

install_npm() {
  if [ ! -d "$ROOT/ui/node_modules" ] || [ "$ROOT/ui/package-lock.json" -nt "$ROOT/ui/node_modules/.package-lock.json" ]; then
    echo "==> npm ci (ui/)"
    # Some registry mirrors serve only this platform's optional packages (rollup's
    # per-OS binaries), so the committed lock cannot list the others and `npm ci`
    # refuses it as out of sync. Then install from the same lock without saving:
    # every version stays pinned by package-lock.json.
    (cd "$ROOT/ui" && { npm ci --no-audit --no-fund --loglevel=error 2>/dev/null \
      || npm install --no-save --no-audit --no-fund --loglevel=error; })
  fi
}

# rustfmt and clippy come with rustup's default profile; a minimal one lacks them.
install_rust_tools() {
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    echo "==> rustup component add rustfmt clippy"
    rustup component add rustfmt clippy
  fi
}

install_tauri_driver() {
  if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    echo "==> cargo install tauri-driver"
    cargo install tauri-driver --locked --quiet
  fi
  export PATH="$HOME/.cargo/bin:$PATH"
}

build_ui() {
  echo "==> ui: type check and build"
  (cd "$ROOT/ui" && npm run --silent build)
}

# Under CI=true, or without a display: starts Xvfb on the first free display
# from $1 (99 by default), exports DISPLAY and sets XVFB_PID (the caller stops
# it). Otherwise leaves the display as it is.
start_xvfb() {
  XVFB_PID=""
  if [ "${CI:-}" = "true" ] || [ -z "${DISPLAY:-}" ]; then
    local n="${1:-99}"
    while [ -e "/tmp/.X${n}-lock" ] || [ -e "/tmp/.X11-unix/X${n}" ]; do n=$((n + 1)); done
    export DISPLAY=":${n}"
    Xvfb "$DISPLAY" -screen 0 1400x900x24 -nolisten tcp >/dev/null 2>&1 &
    XVFB_PID=$!
    for _ in $(seq 1 100); do [ -e "/tmp/.X11-unix/X${n}" ] && break; sleep 0.1; done
    [ -e "/tmp/.X11-unix/X${n}" ] || { echo "Xvfb did not start on $DISPLAY" >&2; return 1; }
  fi
}

# A command as the postgres user, on the cluster the tests chose (PGPORT, set by
# scripts/test.sh: a machine may run more than one).
as_postgres() {
  local env=()
  [ -n "${PGPORT:-}" ] && env=(env "PGPORT=$PGPORT")
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "${env[@]}" "$@"; else sudo -u postgres "${env[@]}" "$@"; fi
}

# The role the tests and the benchmarks log in as, on the cluster of PGPORT.
make_test_role() {
  as_postgres psql -q -v ON_ERROR_STOP=1 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'guichet_test') THEN
    CREATE ROLE guichet_test LOGIN CREATEDB PASSWORD 'guichet_test';
  END IF;
END $$;
-- The members benchmark checkpoints after filling, so that the server's own
-- checkpoint does not write a million rows behind the timed searches.
GRANT pg_checkpoint TO guichet_test;
-- The server tests create the application role a Guichet server runs with.
ALTER ROLE guichet_test CREATEROLE;
SQL
}

# The workspace's version (Cargo.toml), as the packages and `guichet --version` carry it.
workspace_version() { sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n1; }
