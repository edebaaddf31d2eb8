# Sourced by Tests/postgres/run.sh and bench/overhead.sh: a throwaway PostgreSQL cluster on a free
# loopback port, in a temporary folder, with a password (the URL's parsing is part of what is tested).
#   postgres_cluster_start   sets PG_DIR, PG_URL (postgres://…) and PG_CONTROL (a script: stop | start)
#   postgres_cluster_stop    stops it and removes the folder
# As root (CI), the server runs as the postgres user, since it refuses to run as root.

postgres_cluster_start() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -z "$bin" ]; then
        echo "PostgreSQL is not installed (Debian: apt-get install postgresql)" >&2
        return 1
    fi
    PG_DIR=$(mktemp -d /tmp/switchboard-pg.XXXXXX)
    chmod 755 "$PG_DIR"
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local run=()
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres "$PG_DIR"
        run=(runuser -u postgres --)
    fi
    printf 'switchboard-test-password\n' > "$PG_DIR/password"
    chmod 644 "$PG_DIR/password"
    "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -U switchboard --auth=scram-sha-256 \
        --pwfile="$PG_DIR/password" >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    cat > "$PG_DIR/control" <<SCRIPT
#!/usr/bin/env bash
# stop | start | pause | resume the test cluster (pause: SIGSTOP, a database that stops answering)
pids() { head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null | { read -r pid && echo "\$pid \$(pgrep -P "\$pid" | tr '\\n' ' ')"; }; }
case "\$1" in
    pause) kill -STOP \$(pids) ;;
    resume) kill -CONT \$(pids) 2>/dev/null || true ;;
    stop) ${run[*]} "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null ;;
    start) ${run[*]} "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null ;;
    *) echo "usage: \$0 stop|start" >&2; exit 64 ;;
esac
SCRIPT
    chmod 755 "$PG_DIR/control"
    "$PG_DIR/control" start || { cat "$PG_DIR/server.log" >&2; return 1; }
    PG_URL="postgres://switchboard:switchboard-test-password@127.0.0.1:$port/postgres?sslmode=disable"
    PG_CONTROL="$PG_DIR/control"
    export PG_DIR PG_URL PG_CONTROL
}

postgres_cluster_stop() {
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
        "$PG_DIR/control" resume 2>/dev/null || true
        "$PG_DIR/control" stop 2>/dev/null || true
        rm -rf "$PG_DIR"
    fi
}
