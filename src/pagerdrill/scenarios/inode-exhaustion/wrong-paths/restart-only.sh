# expect: unresolved
# Restarting the app or nginx changes nothing: the inode table is still full.
systemctl restart {{ app }}
systemctl restart nginx
sleep 30
