# plugctl %pre: the `plugctl` system user the service runs as (created before the files land, as
# Fedora's packaging guidelines do it).
getent group plugctl >/dev/null || groupadd --system plugctl
getent passwd plugctl >/dev/null ||
  useradd --system --gid plugctl --home-dir /var/lib/plugctl --no-create-home \
    --shell /sbin/nologin --comment "plugctl stream processor" plugctl
exit 0
