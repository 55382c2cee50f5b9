# plugctl %post: the state directory, and systemd's view of the unit. The service is not
# enabled or started: the default config is only a heartbeat (systemctl enable --now plugctl).
install -d -o plugctl -g plugctl -m 0750 /var/lib/plugctl
if [ -d /run/systemd/system ]; then
  systemctl --system daemon-reload >/dev/null 2>&1 || :
  # $1 == 2 on upgrade: restart a running service on the new binary.
  if [ "$1" -ge 2 ]; then
    systemctl try-restart plugctl.service >/dev/null 2>&1 || :
  fi
fi
exit 0
