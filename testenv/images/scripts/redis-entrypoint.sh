#!/bin/sh
# Entrypoint of toplab/redis:entrypoint: the start-up contract of the public
# redis:7.0 image (the part testenv relies on) on Debian's redis-server.
set -e

# Options without a program, or a config file first, are redis-server's.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

# The public image's redis-server is compiled with protected mode off, as
# clients come from outside the container; Debian's is not. Say it before the
# caller's options, which win. A config file must come first, so then it is
# left to the file.
if [ "$1" = redis-server ] && { [ $# -eq 1 ] || [ "${2#-}" != "$2" ]; }; then
	shift
	set -- redis-server --protected-mode no "$@"
fi

exec "$@"
