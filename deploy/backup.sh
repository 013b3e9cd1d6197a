#!/usr/bin/env bash
# Back up Concertation: the database (pg_dump's custom format) and the files under MEDIA_ROOT, into a
# new folder BACKUP_DIR/concertation-YYYYmmdd-HHMMSS with a SHA256SUMS file. Restore with restore.sh.
#
#   deploy/backup.sh [BACKUP_DIR]          (default /var/backups/concertation)
#
# DATABASE_URL and MEDIA_ROOT come from the environment, or else from /etc/concertation/owner.env and
# /etc/concertation/concertation.env (the owner's address first: it may read every table). Folders
# older than BACKUP_KEEP_DAYS (default 14) are removed after a successful backup. A backup holds
# personal data: the folder is readable by its owner only; copy it off the server encrypted.
set -euo pipefail
umask 077

setting() {  # NAME: from the environment, else the last NAME=… line of the configuration files
  local name=$1 file value=""
  if [ -n "${!name:-}" ]; then printf '%s' "${!name}"; return; fi
  for file in /etc/concertation/owner.env /etc/concertation/concertation.env; do
    [ -r "$file" ] || continue
    value=$(sed -n "s/^${name}=//p" "$file" | tail -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'$/\1/")
    [ -n "$value" ] && { printf '%s' "$value"; return; }
  done
}
die() { printf 'backup: %s\n' "$*" >&2; exit 1; }

database_url=$(setting DATABASE_URL)
media_root=$(setting MEDIA_ROOT)
[ -n "$database_url" ] || die "DATABASE_URL is not set (nor in /etc/concertation/owner.env or concertation.env)."
[ -n "$media_root" ] || die "MEDIA_ROOT is not set (nor in /etc/concertation/concertation.env)."
database_url=${database_url/#pgsql:/postgresql:}
target_dir=${1:-${BACKUP_DIR:-/var/backups/concertation}}
keep_days=${BACKUP_KEEP_DAYS:-14}

mkdir -p "$target_dir"
backup="$target_dir/concertation-$(date +%Y%m%d-%H%M%S)"
partial="$backup.partial"
trap 'rm -rf "$partial"' EXIT
mkdir "$partial"

pg_dump --format=custom --compress=6 --file="$partial/database.dump" --dbname="$database_url" \
  || die "pg_dump failed (see above); nothing was kept."
if [ -d "$media_root" ]; then
  tar --create --gzip --file="$partial/media.tar.gz" --directory="$media_root" . || die "archiving $media_root failed."
else
  tar --create --gzip --file="$partial/media.tar.gz" --files-from=/dev/null  # no file uploaded yet
fi
(cd "$partial" && sha256sum database.dump media.tar.gz >SHA256SUMS)
mv "$partial" "$backup"
trap - EXIT

find "$target_dir" -mindepth 1 -maxdepth 1 -type d -name 'concertation-*' ! -name '*.partial' \
  -mtime "+$keep_days" -exec rm -rf {} +
echo "$backup"
