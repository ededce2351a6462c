# expect: unresolved
# Freeing gigabytes frees one inode: df -h improves, df -i does not move.
df -h /
du -sh /var/log/{{ app }}/*
rm /var/log/{{ app }}/access.log.1
df -h /
sleep 10
df -i /
