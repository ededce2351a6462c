# expect: unresolved
# A bigger pool takes longer to drain, but it drains: the connections never come back.
cd /srv/{{ app }}
sed -i "s/\"max\": {{ pool }},/\"max\": $(( {{ pool }} * 2 )),/" config/production.json
grep max config/production.json
systemctl restart {{ app }}
sleep 20
curl -s localhost:3000/health
sleep 600
curl -s localhost:3000/health
