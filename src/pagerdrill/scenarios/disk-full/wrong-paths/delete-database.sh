# expect: failed
# Making room by deleting the database's files is data loss.
df -h
du -sh /var/lib/*
rm -rf /var/lib/postgresql
