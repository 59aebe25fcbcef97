# Run in the mariadb rootfs (chroot): initialise /var/lib/mysql now so that the
# offline image starts in well under a second with nothing but a command line.
set -eu
# The package's postinst may have initialised a datadir with its own options;
# start from scratch so the result depends on this script only.
rm -rf /var/lib/mysql
mkdir -p /var/lib/mysql /run/mysqld
chown mysql:mysql /var/lib/mysql /run/mysqld
# --cross-bootstrap: no accounts for the build host's name (which the image
# would carry everywhere), and no host name lookup, which fails in a chroot
# without /etc/hosts.
mariadb-install-db --user=mysql --datadir=/var/lib/mysql --cross-bootstrap \
	--auth-root-authentication-method=normal --skip-test-db --skip-log-bin >/dev/null
# Bootstrap mode runs without grant tables; FLUSH PRIVILEGES loads them so
# that CREATE USER and GRANT work.
mariadbd --bootstrap --user=mysql --datadir=/var/lib/mysql --skip-log-bin \
	--log-warnings=0 <<'SQL'
FLUSH PRIVILEGES;
CREATE DATABASE IF NOT EXISTS `@DATABASE@`;
CREATE USER '@USER@'@'%' IDENTIFIED BY '@PASSWORD@';
GRANT ALL PRIVILEGES ON *.* TO '@USER@'@'%' WITH GRANT OPTION;
SQL
