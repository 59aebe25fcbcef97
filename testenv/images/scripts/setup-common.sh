# Run in the fresh rootfs (chroot) after debootstrap, before it is tarred.
set -eu
# debootstrap --cache-dir leaves the downloaded packages in the target; the
# image never runs apt, so they and the package lists are dead weight.
rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin
rm -rf /var/lib/apt/lists/*
