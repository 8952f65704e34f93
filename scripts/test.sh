#!/usr/bin/env bash
# Runs every test of Guichet: Rust unit and integration tests on SQLite and on
# PostgreSQL (a local server is started), the desktop commands without a window,
# the generated-types check, and the end-to-end tests in the real window under
# Xvfb through tauri-driver; then builds the packages and tests them as an
# installation. Installs whatever is missing first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
install_apt
install_french_locale
install_npm
install_tauri_driver
install_rust_tools
cd "$ROOT"

# A clean clone gains nothing from incremental compilation but gigabytes of
# disk: CI builds without it (a CI run once stopped on a full disk).
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi
disk_report() {
  local used
  used=$( { du -sh "${CARGO_TARGET_DIR:-$ROOT/target}" 2>/dev/null || true; } | cut -f1)
  echo "==> disk: ${used:-0} in target, $(df -h --output=avail "$ROOT" | tail -n1 | tr -d ' ') free ($1)"
}
disk_report "start"

# --- PostgreSQL: the Debian cluster, a test role, a clean slate -------------
start_postgres() {
  if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
    $SUDO pg_createcluster 15 main >/dev/null
  fi
  # Debian's own cluster ("main") where there is one, else the first listed.
  local ver name port cluster
  cluster=$(pg_lsclusters -h | awk '$2 == "main"' | head -n1)
  read -r ver name port _ <<< "${cluster:-$(pg_lsclusters -h | head -n1)}"
  export PGPORT=$port
  $SUDO pg_ctlcluster "$ver" "$name" start 2>/dev/null || true
  for _ in $(seq 1 30); do as_postgres pg_isready -q && break; sleep 1; done
  make_test_role
  # Databases left by earlier runs.
  as_postgres psql -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'guichet_t_%'" \
    | while read -r db; do as_postgres dropdb --if-exists "$db" || true; done
  # Application roles left by earlier runs of the server tests.
  as_postgres psql -tAc "SELECT rolname FROM pg_roles WHERE rolname LIKE 'app\_%'" \
    | while read -r role; do as_postgres psql -qc "DROP ROLE IF EXISTS \"$role\"" || true; done
  export GUICHET_TEST_POSTGRES_URL="postgres://guichet_test:guichet_test@127.0.0.1:${port}/postgres"
}
start_postgres
echo "==> PostgreSQL ready: ${GUICHET_TEST_POSTGRES_URL/:guichet_test@/:***@}"

# --- UI build (type check), formatting and lint, Rust tests ----------------
# A change that is not formatted (rustfmt.toml, .prettierrc.json), that has
# a line over 120 characters or that clippy warns about fails the run, as the
# UI's strict TypeScript check does in its build. The desk's crate needs the
# built UI, so the lint comes after it.
build_ui
echo "==> cargo fmt --check, prettier --check, lines ≤ 120, cargo clippy -D warnings"
cargo fmt --all -- --check
(cd "$ROOT/ui" && npx --no-install prettier --ignore-path ../.prettierignore --check --log-level warn \
  src vite.config.ts vite.portal.config.ts portail.html ../tests/e2e ../tests/install ../scripts/long-lines.mjs)
node "$ROOT/scripts/long-lines.mjs"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "==> cargo test (SQLite + PostgreSQL, commands without a window, generated types)"
cargo test --workspace --no-fail-fast --quiet 2>&1
disk_report "after the Rust tests"

# --- The real window ---------------------------------------------------------
XVFB_PID=""
cleanup() { if [ -n "$XVFB_PID" ]; then kill "$XVFB_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT
start_xvfb 99
echo "==> end-to-end tests in the real window (tauri-driver, DISPLAY=$DISPLAY)"
export GUICHET_APP="${CARGO_TARGET_DIR:-$ROOT/target}/debug/guichet-desktop"
node --test --test-concurrency=1 tests/e2e/

# --- The packages, tested as an installation --------------------------------
echo "==> packages (scripts/package.sh), then installed, run and removed (scripts/test-install.sh)"
unset GUICHET_APP
./scripts/package.sh
disk_report "after the packages' build"
./scripts/test-install.sh
