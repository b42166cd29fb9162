#!/bin/sh
# Nightly backup on a server, from cron (see crontab next to this file). Needs Node 24 and a
# checkout of the action; a matching pg_dump is found or installed as on a runner.
# /etc/pg-backup.env (mode 0600) holds DATABASE_URL=… and, for S3, AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=…
set -eu
. /etc/pg-backup.env
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
mkdir -p /var/tmp/pg-backup
exec env "INPUT_DATABASE-URL=$DATABASE_URL" \
  INPUT_STORAGE=s3://my-backups/app/ \
  INPUT_KEEP-DAILY=7 \
  RUNNER_TEMP=/var/tmp/pg-backup \
  node /opt/postgres-backup-action/dist/index.js
