# expect: unresolved
# The reflex: rm the directory's contents. bash cannot even start rm with a million arguments.
df -i /
rm -rf /var/lib/{{ app }}/sessions/*
df -i /
