#!/usr/bin/env bash
# Tests Guichet as an installation: installs the packages of dist/ (built by
# scripts/package.sh when missing) on this machine, checks what they put
# where, starts the installed server as its systemd unit would and the
# installed desk under Xvfb from /usr/bin to the login screen (on a database
# made by version 0.1.0, migrated on this first start), prints the desk's
# cold start and memory, then removes the packages and checks that nothing of
# theirs is left but the data. Needs root (or sudo) and, for the server part,
# GUICHET_TEST_POSTGRES_URL (scripts/test.sh sets it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
APT_PACKAGES+=(desktop-file-utils curl)
install_apt
install_tauri_driver
cd "$ROOT"
[ -f dist/SHA256SUMS ] || ./scripts/package.sh
(cd dist && sha256sum --quiet -c SHA256SUMS)
VERSION=$(workspace_version)
fail() { echo "ÉCHEC : $*" >&2; exit 1; }

WORK=$(mktemp -d /tmp/guichet-install-XXXXXX)
SERVER_PID=""; XVFB_PID=""; DB=""; ROLE=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  [ -n "$DB" ] && as_postgres dropdb --if-exists "$DB" 2>/dev/null || true
  [ -n "$ROLE" ] && as_postgres psql -qc "DROP ROLE IF EXISTS \"$ROLE\"" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# A machine where an earlier run left them: start from nothing.
for p in guichet guichet-desktop; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then $SUDO apt-get purge -y -qq "$p" >/dev/null; fi
done

echo "==> install: apt-get install ./dist/*.deb"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq ./dist/guichet_*.deb ./dist/guichet-desktop_*.deb >/dev/null
dpkg -L guichet guichet-desktop | sort -u > "$WORK/files"

echo "==> the command"
[ "$(command -v guichet)" = /usr/bin/guichet ] || fail "guichet n'est pas dans /usr/bin"
[ "$(guichet --version)" = "guichet $VERSION" ] || fail "guichet --version : $(guichet --version)"
man -w guichet >/dev/null 2>&1 || [ -f /usr/share/man/man1/guichet.1.gz ] || fail "page de manuel absente"
zcat /usr/share/man/man1/guichet.1.gz | grep -q "serve" || fail "la page de manuel ne parle pas de serve"

echo "==> the desk's package"
[ -x /usr/bin/guichet-desktop ] || fail "/usr/bin/guichet-desktop absent"
desktop-file-validate /usr/share/applications/guichet.desktop || fail "entrée de bureau invalide"
grep -q '^Categories=Office;' /usr/share/applications/guichet.desktop || fail "catégorie Office absente"
depends=$(dpkg-query -W -f='${Depends}' guichet-desktop)
echo "$depends" | grep -q 'libwebkit2gtk-4.1-0' || fail "le paquet du poste ne dépend pas de libwebkit2gtk-4.1-0 : $depends"
echo "$depends" | grep -q -- '-dev' && fail "le paquet du poste dépend d'un paquet -dev : $depends"
for s in 32x32 128x128 512x512; do [ -f "/usr/share/icons/hicolor/$s/apps/guichet.png" ] || fail "icône $s absente"; done

echo "==> the server's package"
getent passwd guichet >/dev/null || fail "utilisateur système guichet absent"
[ "$(getent passwd guichet | cut -d: -f7)" = /usr/sbin/nologin ] || fail "l'utilisateur guichet a un shell"
[ "$(stat -c '%a %U %G' /etc/guichet/server.toml)" = "640 root guichet" ] || fail "droits de server.toml : $(stat -c '%a %U %G' /etc/guichet/server.toml)"
[ "$(stat -c '%a %U %G' /var/lib/guichet)" = "750 guichet guichet" ] || fail "droits de /var/lib/guichet : $(stat -c '%a %U %G' /var/lib/guichet)"
UNIT=/usr/lib/systemd/system/guichet.service
[ -f "$UNIT" ] || fail "unité systemd absente"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$UNIT" 2>"$WORK/verify" || { cat "$WORK/verify"; fail "systemd-analyze verify"; }
fi
if [ -n "${GUICHET_TEST_POSTGRES_URL:-}" ]; then
  # The unit's own command, as its user, on a database migrated by the owner
  # and served with the application role.
  DB="guichet_t_install_$$"; ROLE="app_install_$$"
  as_postgres createdb -O guichet_test "$DB"
  OWNER_URL="${GUICHET_TEST_POSTGRES_URL%/*}/$DB"
  guichet --database "$OWNER_URL" migrate >/dev/null
  echo "Mot-de-passe-app-1" | guichet --database "$OWNER_URL" db grant-app-role "$ROLE" >/dev/null
  APP_URL=$(echo "$OWNER_URL" | sed "s#://guichet_test:guichet_test@#://$ROLE:Mot-de-passe-app-1@#")
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  $SUDO sed -i -e "s#^database = .*#database = \"$APP_URL\"#" -e "s#^listen = .*#listen = \"127.0.0.1:$PORT\"#" /etc/guichet/server.toml
  exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
  # setpriv execs in place (runuser would fork): the PID is the server's own.
  $SUDO setpriv --reuid=guichet --regid=guichet --init-groups env GUICHET_LOG=info $exec_start > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do grep -q "écoute sur" "$WORK/server.log" && break; sleep 0.1; done
  grep -q "écoute sur https://127.0.0.1:$PORT" "$WORK/server.log" || { cat "$WORK/server.log"; fail "le serveur installé n'écoute pas"; }
  curl -skf "https://127.0.0.1:$PORT/api/v1/version" > "$WORK/version.json" || fail "le serveur installé ne répond pas"
  grep -q "$VERSION" "$WORK/version.json" || fail "version du serveur : $(cat "$WORK/version.json")"
  [ "$(stat -c %U /var/lib/guichet/tls)" = guichet ] || fail "le certificat auto-signé n'est pas à l'utilisateur guichet"
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || fail "le serveur ne s'arrête pas proprement sur SIGTERM"
  SERVER_PID=""
  echo "    served $(cat "$WORK/version.json") as user guichet from $UNIT"
elif [ "${CI:-}" = true ]; then
  fail "GUICHET_TEST_POSTGRES_URL absent : le serveur installé doit être essayé sous CI=true"
else
  echo "    (GUICHET_TEST_POSTGRES_URL absent : le serveur installé n'est pas lancé)"
fi

echo "==> the installed desk under Xvfb (a database of version 0.1.0, migrated at start)"
start_xvfb 120
mkdir -p "$WORK/data"
zcat tests/fixtures/guichet-0.1.0-schema14.sqlite3.gz > "$WORK/data/guichet.sqlite3"
GUICHET_APP=/usr/bin/guichet-desktop GUICHET_INSTALL_DB="$WORK/data/guichet.sqlite3" GUICHET_VERSION="$VERSION" \
  node --test --test-concurrency=1 tests/install/

echo "==> removal: apt-get purge"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get purge -y -qq guichet guichet-desktop >/dev/null
left=()
while read -r f; do
  [ -d "$f" ] && continue          # folders shared with other packages (/usr/bin, …)
  [ -e "$f" ] && left+=("$f")
done < "$WORK/files"
[ "${#left[@]}" = 0 ] || fail "restent après la désinstallation : ${left[*]}"
[ ! -e /etc/guichet ] || fail "/etc/guichet reste après la purge"
[ -d /var/lib/guichet/tls ] || [ -z "${GUICHET_TEST_POSTGRES_URL:-}" ] || fail "les données du serveur (/var/lib/guichet) ont été effacées"
[ -f "$WORK/data/guichet.sqlite3" ] || fail "la base du poste a été effacée"
echo "==> installation test passed: installed, run, removed; only the data remain"
