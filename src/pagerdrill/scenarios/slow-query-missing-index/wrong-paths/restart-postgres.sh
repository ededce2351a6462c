# expect: unresolved
# Restarting the database cuts every session; the pool reconnects and the Seq Scans resume.
ssh {{ db_host }} systemctl restart postgresql
sleep 60
