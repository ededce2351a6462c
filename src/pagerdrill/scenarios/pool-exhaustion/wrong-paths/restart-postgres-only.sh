# expect: unresolved
# Restarting the database "fixes" it for a minute or two; the leak drains the pool again.
curl -i localhost:3000/health
ssh {{ db_host }} systemctl restart postgresql
sleep 20
curl -s localhost:3000/health
sleep 300
curl -s localhost:3000/health
