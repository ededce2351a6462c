# expect: unresolved
# Deleting the live log frees nothing: the app still holds it open.
df -h /
rm /var/log/{{ app }}/app.log
df -h /
sleep 60
df -h /
lsof +L1
