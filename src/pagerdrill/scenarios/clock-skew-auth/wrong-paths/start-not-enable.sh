# expect: mitigated
# Starting chrony fixes the clock today; left disabled, the next reboot brings the skew back.
ssh {{ node }}-0{{ bad }} systemctl start chrony
sleep 10
ssh {{ node }}-0{{ bad }} chronyc tracking
