#!/usr/bin/env bash
# A second PostgreSQL 15 cluster (port 5433) whose files live on a btrfs
# filesystem compressed with zstd, itself in a sparse file: for running
# `cargo bench --bench year` at the national size on a machine whose disk is
# too small for its 143 GB. Not used by the tests nor by CI.
#
# What it changes in what is measured: the disk holds compressed pages, so
# fewer bytes are read and written and more CPU is spent; the benchmark's
# journal, copied from one dossier's cycle, compresses better than a site's.
#
#   sudo benches/compressed-postgres.sh            # set up and start
#   GUICHET_TEST_POSTGRES_URL=postgres://guichet_test:guichet_test@127.0.0.1:5433/postgres \
#     BENCH_SCALE=1 cargo bench --bench year
#   sudo benches/compressed-postgres.sh stop       # stop, unmount, free the file
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"

image=${IMAGE:-/srv/pgbtrfs.img}
mnt=${MOUNT:-/srv/btrfs}
data=$mnt/pg/data
# Named after "main", so that pg_lsclusters, which the README's test command
# reads for its cluster, still lists the machine's own first.
cluster=national

if [ "${1:-}" = stop ]; then
  pg_ctlcluster 15 "$cluster" stop || true
  pg_dropcluster 15 "$cluster" || true
  umount "$mnt"
  rm -f "$image"
  exit 0
fi

command -v mkfs.btrfs > /dev/null || $SUDO apt-get install -y btrfs-progs btrfs-compsize
mkdir -p "$mnt"
if ! mountpoint -q "$mnt"; then
  [ -e "$image" ] || { truncate -s 240G "$image" && mkfs.btrfs -q "$image"; }
  # discard: space freed in btrfs (a dropped database) goes back to the disk.
  mount -o loop,compress-force=zstd:1,noatime,discard=async "$image" "$mnt"
fi
if [ ! -d "$data" ]; then
  install -d -o postgres -g postgres "$mnt/pg"
  pg_createcluster 15 "$cluster" -d "$data" -p 5433 > /dev/null
  # pg_createcluster marks its folders No_COW on btrfs, and btrfs does not
  # compress such files: copy them into a folder without the mark.
  pg_ctlcluster 15 "$cluster" stop 2> /dev/null || true
  install -d -o postgres -g postgres -m 700 "$data.new"
  chattr -C "$data.new"
  cp -a "$data/." "$data.new/"
  rm -rf "$data"
  mv "$data.new" "$data"
fi
pg_ctlcluster 15 "$cluster" start 2> /dev/null || true
PGPORT=5433 make_test_role
compsize -x "$data" 2> /dev/null | sed -n '2,3p' || true
