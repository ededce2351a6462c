"""Everyday commands: yes, seq, tac, od, checksums, diff, file, zcat, vmstat, watch,
mount/lsblk/findmnt, ip and logrotate, each matching the real binary's output."""
