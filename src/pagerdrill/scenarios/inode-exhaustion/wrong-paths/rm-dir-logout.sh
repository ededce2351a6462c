# expect: mitigated
# Removing and recreating the directory correctly restores logins, but logs every user out,
# and without fixing the cron job the inodes fill up again.
rm -rf /var/lib/{{ app }}/sessions
mkdir -m 0700 /var/lib/{{ app }}/sessions
chown {{ app }}:{{ app }} /var/lib/{{ app }}/sessions
sleep 10
