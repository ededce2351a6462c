# The expert path: confirm which budget is exhausted, find the files, delete the expired ones
# in place, then fix the job that should have deleted them and alert on inodes.
df -h /
df -i /
curl -s -o /dev/null -w '%{http_code}\n' localhost/health
curl -s -o /dev/null -w '%{http_code}\n' localhost/accounts/login/
tail -n 4 /var/log/{{ app }}/error.log
du --inodes -d1 /var/lib | sort -n | tail -n 3
du --inodes -s /var/lib/{{ app }}/sessions
ls -f /var/lib/{{ app }}/sessions | head -n 5
# Mitigate: sessions older than a day are long abandoned; today's stay, so nobody is logged out.
find /var/lib/{{ app }}/sessions -type f -mmin +1440 -delete
df -i /
sleep 5
curl -s -o /dev/null -w '%{http_code}\n' localhost/accounts/login/
# Why did nothing clean up? The hourly job, and root's unread mail.
cat /etc/cron.d/{{ app }}-sessions
grep clearsessions /var/log/syslog | tail -n 2
tail -n 3 /var/mail/root
cat /usr/local/bin/{{ app }}-serve
diagnose 3
# Resolve: point the job at the upgraded layout (the serve script shows which path moved).
test -d /srv/{{ app }}/current || sed -i 's|cd /srv/{{ app }}/current|cd /srv/{{ app }}/app|' /etc/cron.d/{{ app }}-sessions
test -x /srv/{{ app }}/venv/bin/python || sed -i 's|/srv/{{ app }}/venv/bin/python|/opt/{{ app }}/venv/bin/python|' /etc/cron.d/{{ app }}-sessions
cat /etc/cron.d/{{ app }}-sessions
# Prevent: an inode alert next to the disk-space one.
printf '      - alert: HostInodesLow\n        expr: node_filesystem_files_free{mountpoint="/"} / node_filesystem_files{mountpoint="/"} < 0.1\n        for: 10m\n        labels:\n          severity: page\n        annotations:\n          summary: Fewer than 10%% of inodes free on /\n' >> /etc/prometheus/rules/node.yml
