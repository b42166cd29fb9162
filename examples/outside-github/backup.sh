#!/bin/sh
# Nightly backup on a server, from cron (see crontab next to this file). Needs Node 24 and a
# checkout of the action (its dist/ is the whole program); a matching pg_dump is found or
# installed as on a runner. See docs/outside-github.md.
#
# The env file (mode 0600, owned by the user cron runs this as) is read by sh, so quote every
# value in single quotes: an unquoted & or ; in a URL would end the assignment.
#   DATABASE_URL='postgresql://app:secret@ep-x.eu-central-1.aws.neon.tech/app?sslmode=require&channel_binding=require'
#   BACKUP_STORAGE='s3://my-backups/app/'
#   AWS_ACCESS_KEY_ID='AKIA...'
#   AWS_SECRET_ACCESS_KEY='...'
set -eu
ENV_FILE=${PG_BACKUP_ENV:-/etc/pg-backup.env}
ACTION_DIR=${ACTION_DIR:-/opt/postgres-backup-action}
set -a # export what the env file sets (the AWS SDK reads its own variables)
. "$ENV_FILE"
set +a
export RUNNER_TEMP="${RUNNER_TEMP:-/var/tmp/pg-backup}"
mkdir -p "$RUNNER_TEMP"
# Secrets stay out of argv (and so out of ps): env:NAME reads the variable NAME.
exec node "$ACTION_DIR/dist/cli.js" backup \
  --database-url env:DATABASE_URL \
  --storage env:BACKUP_STORAGE \
  --keep-daily 7
