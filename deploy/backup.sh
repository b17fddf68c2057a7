#!/bin/sh
# A dated, consistent copy of the bot's database, then the copies older than 30 days deleted.
# Run daily by cnscd-bot-backup.timer as the service user (cnscd); by hand:
#   sudo -u cnscd env BOT_DATABASE=/var/lib/cnscd-bot/bot.db sh /opt/cnscd-bot/deploy/backup.sh
#
# Settings (environment, all optional):
#   BOT_DATABASE      the live database (read by `python -m bot backup` itself)
#   BOT_HOME          the checkout, default /opt/cnscd-bot
#   BOT_PYTHON        the interpreter, default $BOT_HOME/.venv/bin/python
#   BACKUP_DIR        where the copies go, default /var/backups/cnscd-bot (must exist)
#   BACKUP_KEEP_DAYS  copies older than this many days are deleted, default 30
#
# Exit status: that of `python -m bot backup` (0 done, 1 the copy failed, 2 refused); old
# copies are deleted only after today's copy was written and checked.
set -eu

BOT_HOME=${BOT_HOME:-/opt/cnscd-bot}
BOT_PYTHON=${BOT_PYTHON:-$BOT_HOME/.venv/bin/python}
BACKUP_DIR=${BACKUP_DIR:-/var/backups/cnscd-bot}
BACKUP_KEEP_DAYS=${BACKUP_KEEP_DAYS:-30}

case $BACKUP_KEEP_DAYS in
    '' | *[!0-9]*) echo "BACKUP_KEEP_DAYS must be a whole number of days" >&2; exit 2 ;;
esac

# The copy holds personal data: readable by this account only (the command sets this too).
umask 077
cd "$BOT_HOME"

# --force: a second run on the same day (a catch-up after downtime, a manual run) replaces
# that day's copy; the new copy is written beside it and renamed over it only once checked.
"$BOT_PYTHON" -m bot backup --force "$BACKUP_DIR/bot-$(date +%F).db"

# Older than BACKUP_KEEP_DAYS days (by modification time, to the minute); also a half-written
# copy left by a killed run.
find "$BACKUP_DIR" -maxdepth 1 -type f \( -name 'bot-*.db' -o -name 'bot-*.db.partial' \) \
    -mmin +$((BACKUP_KEEP_DAYS * 24 * 60)) -print -delete
