# expect: unresolved
# Removing the whole directory works, but the new one belongs to root: the app still cannot write.
rm -rf /var/lib/{{ app }}/sessions
mkdir /var/lib/{{ app }}/sessions
sleep 10
