#!/usr/bin/env bash
# Starts the Guichet desktop app on the embedded SQLite database
# (~/.local/share/ma.mutuelle.guichet/guichet.sqlite3), installing what is missing.
# GUICHET_DATABASE_URL=postgres://… points it at a shared PostgreSQL instead.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
install_apt
install_npm
build_ui
cd "$ROOT"
exec cargo run --quiet -p guichet-desktop
