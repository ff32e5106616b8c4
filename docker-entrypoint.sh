#!/bin/sh
# Migrate the database, then hand over to the server (gunicorn by default).
set -e
flask --app app db upgrade
if [ "${LINLI_SYNC_TENANTS:-0}" = 1 ]; then
  flask --app app tenants sync --create-only
fi
exec "$@"
