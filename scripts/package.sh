#!/usr/bin/env bash
# Builds every package of Guichet into dist/, with their SHA-256 sums:
#   guichet-desktop  the desk (Debian .deb and .rpm)
#   guichet          the command and the site's server (Debian .deb and .rpm)
# Offline but for the registries: cargo-deb and cargo-generate-rpm come from
# crates.io, help2man (the man page) from Debian. Prints each package's size
# and the desk binary's.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
APT_PACKAGES+=(help2man dpkg-dev)
install_apt
install_npm
export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo-deb >/dev/null || { echo "==> cargo install cargo-deb"; cargo install cargo-deb --locked --quiet; }
command -v cargo-generate-rpm >/dev/null || { echo "==> cargo install cargo-generate-rpm"; cargo install cargo-generate-rpm --locked --quiet; }
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

build_ui
echo "==> cargo build --profile dist (guichet, guichet-desktop)"
cargo build --quiet --profile dist -p guichet --bin guichet -p guichet-desktop --bin guichet-desktop

echo "==> man page (from guichet --help, guichet serve --help and packaging/server/guichet.h2m)"
mkdir -p target/man
{
  echo "[GUICHET SERVE]"
  echo ".nf"
  LC_ALL=C.UTF-8 "$TARGET/dist/guichet" serve --help | sed -e 's/\\/\\\\/g' -e 's/^\./\\\&./'
  echo ".fi"
  echo
  cat packaging/server/guichet.h2m
} > target/man/guichet.h2m
LC_ALL=C.UTF-8 help2man --locale=C.UTF-8 --no-info --section 1 --source "Guichet $(workspace_version)" \
  --manual "Guichet" --include target/man/guichet.h2m "$TARGET/dist/guichet" | gzip -9n > target/man/guichet.1.gz

rm -rf dist && mkdir -p dist
echo "==> Debian packages"
cargo deb --quiet --no-build --profile dist -p guichet -o dist/
cargo deb --quiet --no-build --profile dist -p guichet-desktop -o dist/
echo "==> RPM packages"
cargo generate-rpm --profile dist -p . -o dist/
cargo generate-rpm --profile dist -p src-tauri -o dist/

(cd dist && sha256sum -- *.deb *.rpm > SHA256SUMS)
echo "==> dist/"
size() { stat -c %s "$1" | awk '{ printf "%.1f MB", $1 / 1e6 }'; }
for f in dist/*.deb dist/*.rpm; do printf '%-48s %s\n' "$(basename "$f")" "$(size "$f")"; done
printf '%-48s %s (target < 20 MB)\n' "desk binary (guichet-desktop)" "$(size "$TARGET/dist/guichet-desktop")"
printf '%-48s %s\n' "command binary (guichet)" "$(size "$TARGET/dist/guichet")"
