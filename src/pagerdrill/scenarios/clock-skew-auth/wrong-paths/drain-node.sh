# expect: mitigated
# Taking the node out of rotation stops the 401s, at the cost of capacity; its clock stays wrong.
sed -i 's/^\(    server {{ node }}-0{{ bad }} .*\)$/\1 disabled/' /etc/haproxy/haproxy.cfg
systemctl reload haproxy
sleep 20
