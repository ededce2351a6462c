"""Process, service and system-information tools: ps, top, free, uptime, kill,
pgrep/pkill/pidof, lsof, systemctl, journalctl, date, id, uname, hostname, w/who,
dmesg, ss and netstat, each printing exactly what Debian 12 prints."""
