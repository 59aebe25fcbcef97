# Run in the redis rootfs (chroot). The public redis image works in /data,
# owned by redis; the stand-ins keep that layout.
set -eu
mkdir -p /data
chown redis:redis /data
