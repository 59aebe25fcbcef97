#!/bin/sh
# Entrypoint of toplab/mariadb:entrypoint: the start-up contract of the public
# mariadb:10.11 image (the part testenv relies on) on Debian's mariadb-server.
# On first start, with an empty datadir, MARIADB_* variables (or their MYSQL_*
# aliases) set the root password and create a database and a user.
set -eu

log() { echo "$(date -u '+%F %T') 0 [Note] [Entrypoint]: $*"; }
die() {
	echo "$(date -u '+%F %T') 0 [ERROR] [Entrypoint]: $*" >&2
	exit 1
}
# SQL string literal and identifier quoting, as the public entrypoint does.
sql_string() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g"; }
sql_ident() { printf '%s' "$1" | sed -e 's/`/``/g'; }

root_password=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
allow_empty=${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-${MYSQL_ALLOW_EMPTY_PASSWORD:-}}
random_root=${MARIADB_RANDOM_ROOT_PASSWORD:-${MYSQL_RANDOM_ROOT_PASSWORD:-}}
root_host=${MARIADB_ROOT_HOST:-${MYSQL_ROOT_HOST:-%}}
database=${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}
user=${MARIADB_USER:-${MYSQL_USER:-}}
password=${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}

# Options without a program are mariadbd's.
if [ "${1#-}" != "$1" ]; then
	set -- mariadbd "$@"
fi
case "$1" in
mariadbd | mysqld) ;;
*) exec "$@" ;;
esac
prog=$1
shift

# Ask the server where its datadir and socket are, with the caller's options,
# as the public entrypoint does.
config() {
	k=$1
	shift
	"$prog" "$@" --verbose --help 2>/dev/null |
		awk -v k="$k" '$1 == k && /^[^ \t]/ { print $2; exit }'
}
datadir=$(config datadir "$@")
datadir=${datadir:-/var/lib/mysql}
socket=$(config socket "$@")
socket=${socket:-/run/mysqld/mysqld.sock}

if [ ! -d "$datadir/mysql" ]; then
	if [ -z "$root_password$allow_empty$random_root" ]; then
		die "Database is uninitialized and password option is not specified
	You need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ROOT_PASSWORD_HASH, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD"
	fi
	if [ "$user" = root ]; then
		die "MARIADB_USER=\"root\", MARIADB_USER and MARIADB_PASSWORD are for configuring a regular user and cannot be used for the root user"
	fi
	if [ -n "$random_root" ]; then
		root_password=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32)
		log "GENERATED ROOT PASSWORD: $root_password"
	fi

	log "Initializing database files"
	mkdir -p "$datadir" "$(dirname "$socket")"
	chown mysql:mysql "$datadir" "$(dirname "$socket")"
	mariadb-install-db --user=mysql --datadir="$datadir" --rpm --cross-bootstrap \
		--auth-root-authentication-method=normal --skip-test-db \
		--skip-log-bin "$@" >/dev/null

	log "Starting temporary server"
	"$prog" --user=root "$@" --skip-networking --socket="$socket" \
		--skip-log-bin --loose-innodb_buffer_pool_load_at_startup=0 &
	pid=$!
	i=0
	until mariadb --protocol=socket --socket="$socket" -uroot -e 'SELECT 1' >/dev/null 2>&1; do
		kill -0 "$pid" 2>/dev/null || die "Unable to start server."
		i=$((i + 1))
		[ "$i" -le 300 ] || die "Temporary server did not answer in 30 s."
		sleep 0.1
	done
	log "Temporary server started."

	rp=$(sql_string "$root_password")
	{
		echo "SET @@SESSION.SQL_LOG_BIN=0;"
		# Only root@localhost and the system accounts survive, as in the
		# public image.
		echo "DELETE FROM mysql.global_priv WHERE user NOT IN ('mysql.sys', 'mariadb.sys', 'mysqlxsys', 'root') OR host NOT IN ('localhost');"
		echo "FLUSH PRIVILEGES;"
		echo "SET PASSWORD FOR 'root'@'localhost'=PASSWORD('$rp');"
		if [ "$root_host" != localhost ]; then
			rh=$(sql_string "$root_host")
			echo "CREATE USER 'root'@'$rh' IDENTIFIED BY '$rp';"
			echo "GRANT ALL ON *.* TO 'root'@'$rh' WITH GRANT OPTION;"
		fi
		echo "DROP DATABASE IF EXISTS test;"
		if [ -n "$database" ]; then
			log "Creating database $database" >&2
			echo "CREATE DATABASE IF NOT EXISTS \`$(sql_ident "$database")\`;"
		fi
		if [ -n "$user" ]; then
			log "Creating user $user" >&2
			u=$(sql_string "$user")
			echo "CREATE USER '$u'@'%' IDENTIFIED BY '$(sql_string "$password")';"
			if [ -n "$database" ]; then
				log "Giving user $user access to schema $database" >&2
				echo "GRANT ALL ON \`$(sql_ident "$database")\`.* TO '$u'@'%';"
			fi
		fi
	} | mariadb --protocol=socket --socket="$socket" -uroot --database=mysql ||
		die "Unable to initialise the database."

	kill "$pid"
	wait "$pid" || die "Temporary server did not stop cleanly."
	log "MariaDB init process done. Ready for start up."
fi

exec "$prog" --user=root "$@"
