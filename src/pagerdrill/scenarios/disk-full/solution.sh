# The expert path for "No space left on device" (the seed's steps, then the fix and prevention).
# Confirm: every service shares the root disk, and it is full.
df -h
curl -s -o /dev/null -w '%{http_code}\n' localhost/health
tail -n 3 /var/log/postgresql/postgresql-15-main.log
# Find the culprit.
du -sh /var/log/*
du -sh /var/log/nginx/*
du -sh /var/log/{{ app }}/*
# Immediate relief: old compressed logs (not enough on its own).
find /var/log -name "*.gz" -mtime +7 -delete
df -h /
# Truncate, don't delete, the live log: the app holds it open.
truncate -s 0 /var/log/{{ app }}/app.log
df -h /
# Why so much log? Rotation has no size limit, and the level is DEBUG since a "temporary" commit.
cat /etc/logrotate.d/{{ app }}
git -C /srv/{{ app }} log --oneline -n 5 -- config/app.yaml
diagnose 2
# Resolve: back to INFO, and restart so the running process reads it.
sed -i 's/^log_level: debug/log_level: info/' /srv/{{ app }}/config/app.yaml
systemctl restart {{ app }}
# Prevent: bound the log by size and retention, and alert at 80%, not 95%.
sed -i 's/^    monthly$/    daily\n    rotate 7\n    maxsize 500M/' /etc/logrotate.d/{{ app }}
sed -i 's/ > 95$/ > 80/' /etc/prometheus/rules/node.yml
sleep 10
curl -s -o /dev/null -w '%{http_code}\n' localhost/health
