# plugctl %postun: systemd forgets the unit on erase. The user and /var/lib/plugctl are kept, as
# Fedora's guidelines ask (files it wrote elsewhere may still belong to it).
if [ -d /run/systemd/system ]; then
  systemctl --system daemon-reload >/dev/null 2>&1 || :
fi
exit 0
