#!/usr/bin/env bash
# Restore a backup made by backup.sh: the database into an EMPTY database, the files into an EMPTY (or
# missing) MEDIA_ROOT. Stop the services first (systemctl stop concertation.target).
#
#   deploy/restore.sh BACKUP_FOLDER
#
# DATABASE_URL (the owner's: the restored tables become its own) and MEDIA_ROOT come from the
# environment, or else from /etc/concertation/owner.env and concertation.env. To restore over the
# live database, make a new one and point the configuration at it, or drop and recreate it:
#   dropdb concertation && createdb --owner=concertation_owner concertation      (as postgres)
# Then run `deploy/manage --owner grant_app_role concertation_app` and start the services.
set -euo pipefail

setting() {
  local name=$1 file value=""
  if [ -n "${!name:-}" ]; then printf '%s' "${!name}"; return; fi
  for file in /etc/concertation/owner.env /etc/concertation/concertation.env; do
    [ -r "$file" ] || continue
    value=$(sed -n "s/^${name}=//p" "$file" | tail -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'$/\1/")
    [ -n "$value" ] && { printf '%s' "$value"; return; }
  done
}
die() { printf 'restore: %s\n' "$*" >&2; exit 1; }

backup=${1:?usage: deploy/restore.sh BACKUP_FOLDER}
[ -f "$backup/SHA256SUMS" ] || die "$backup is not a backup made by backup.sh (no SHA256SUMS)."
(cd "$backup" && sha256sum --check --quiet SHA256SUMS) || die "$backup is damaged: its checksums do not match."

database_url=$(setting DATABASE_URL)
media_root=$(setting MEDIA_ROOT)
[ -n "$database_url" ] || die "DATABASE_URL is not set (nor in /etc/concertation/owner.env or concertation.env)."
[ -n "$media_root" ] || die "MEDIA_ROOT is not set (nor in /etc/concertation/concertation.env)."
database_url=${database_url/#pgsql:/postgresql:}

tables=$(psql --dbname="$database_url" --no-psqlrc --tuples-only --no-align \
  --command="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") || die "cannot reach the database (see above)."
[ "$tables" = 0 ] || die "the database already has $tables tables: restore into a new, empty database (see the top of this script)."
if [ -d "$media_root" ] && [ -n "$(ls -A "$media_root")" ]; then
  die "$media_root is not empty: move it aside (mv $media_root $media_root.before-restore) and run again."
fi

# One transaction: a failure leaves the database empty, never half restored.
pg_restore --exit-on-error --single-transaction --no-owner --dbname="$database_url" "$backup/database.dump" \
  || die "pg_restore failed (see above); the database is unchanged."
mkdir -p "$media_root"
tar --extract --gzip --file="$backup/media.tar.gz" --directory="$media_root" --no-same-owner
if [ "$(id -u)" = 0 ] && id concertation >/dev/null 2>&1; then
  chown -R concertation:concertation "$media_root"  # the services write there as this user
fi
echo "Restored $backup."
