# expect: mitigated
# Setting the clock by hand: right for now, but nothing keeps it right.
ssh {{ node }}-0{{ bad }} timedatectl
ssh {{ node }}-0{{ bad }} "date -s '$(date '+%F %T')'"
sleep 20
