#!/usr/bin/env bash
# Starts (or reuses) a private PostgreSQL 15 cluster and a Redis under DIR, creates the owner and
# app roles and the database, and writes DIR/env with the URLs. `stop DIR` stops both.
#
#   scripts/services.sh start DIR PG_PORT REDIS_PORT [DBNAME]
#   scripts/services.sh stop DIR
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
cmd=${1:?usage: services.sh start|stop DIR ...}
dir=${2:?usage: services.sh start|stop DIR ...}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# initdb refuses to run as root: run the cluster as the postgres system user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  if [ -f "$dir/pg/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/redis.pid" ]; then
    kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
    rm -f "$dir/redis.pid"
  fi
}

start() {
  local pg_port=${3:?PG_PORT} redis_port=${4:?REDIS_PORT} db=${5:-versiqii}
  mkdir -p "$dir/run" "$dir/redis"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$dir/run"
    chmod 755 "$dir"
  fi

  if [ ! -f "$dir/secrets.env" ]; then
    umask 077
    {
      echo "OWNER_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      echo "APP_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      echo "DISPATCHER_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      echo "OPERATOR_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      echo "JWT_SECRET=$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    } >"$dir/secrets.env"
    umask 022
  fi
  # shellcheck disable=SC1091
  . "$dir/secrets.env"
  # A state directory from before the dispatcher had a role of its own.
  if [ -z "${DISPATCHER_PASSWORD:-}" ]; then
    DISPATCHER_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    (umask 077 && echo "DISPATCHER_PASSWORD=$DISPATCHER_PASSWORD" >>"$dir/secrets.env")
  fi
  # ... and before the operators' portal had one.
  if [ -z "${OPERATOR_PASSWORD:-}" ]; then
    OPERATOR_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    (umask 077 && echo "OPERATOR_PASSWORD=$OPERATOR_PASSWORD" >>"$dir/secrets.env")
  fi

  if [ ! -f "$dir/pg/PG_VERSION" ]; then
    mkdir -p "$dir/pg"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir/pg"
    as_pg "$PGBIN/initdb" -D "$dir/pg" -U postgres -E UTF8 --locale=C \
      --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log"
  fi
  # Throwaway clusters (tests) trade durability for speed; a dev cluster keeps its data safe.
  local durability=""
  [ "${VERSIQII_PG_EPHEMERAL:-0}" = 1 ] && durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if ! as_pg "$PGBIN/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1; then
    as_pg "$PGBIN/pg_ctl" -D "$dir/pg" -l "$dir/run/postgres.log" -w -t 60 \
      -o "-p $pg_port -k $dir/run -c listen_addresses=127.0.0.1 -c max_connections=300 $durability" \
      start >/dev/null || {
        echo "Postgres did not start on port $pg_port; its log says:" >&2
        tail -5 "$dir/run/postgres.log" >&2
        exit 1
      }
  fi

  local psql=(as_pg psql -h "$dir/run" -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt)
  "${psql[@]}" <<SQL
do \$\$ begin
  if not exists (select from pg_roles where rolname = 'versiqii_owner') then
    create role versiqii_owner login createdb bypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'versiqii_app') then
    create role versiqii_app login nosuperuser nobypassrls nocreatedb nocreaterole;
  end if;
  -- The webhook dispatcher: no table privilege, only its definer functions (migration 0014).
  if not exists (select from pg_roles where rolname = 'versiqii_dispatcher') then
    create role versiqii_dispatcher login nosuperuser nobypassrls nocreatedb nocreaterole;
  end if;
  -- The operators' portal: its own tables and op_* functions only (migration 0018).
  if not exists (select from pg_roles where rolname = 'versiqii_operator') then
    create role versiqii_operator login nosuperuser nobypassrls nocreatedb nocreaterole;
  end if;
end \$\$;
alter role versiqii_owner password '$OWNER_PASSWORD';
alter role versiqii_app password '$APP_PASSWORD';
alter role versiqii_dispatcher password '$DISPATCHER_PASSWORD';
alter role versiqii_operator password '$OPERATOR_PASSWORD';
SQL
  if [ -z "$("${psql[@]}" -c "select 1 from pg_database where datname = '$db'")" ]; then
    "${psql[@]}" -c "create database $db owner versiqii_owner"
  fi
  "${psql[@]}" -c "revoke all on database $db from public" -c "grant connect on database $db to versiqii_app, versiqii_dispatcher, versiqii_operator"

  if ! { [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; }; then
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --daemonize yes \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save "" --appendonly no >/dev/null
    for _ in $(seq 50); do
      redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
  fi

  cat >"$dir/env" <<ENV
export VERSIQII_PG_PORT=$pg_port
export VERSIQII_PG_SOCKET=$dir/run
export VERSIQII_DATABASE_URL=postgres://versiqii_app:$APP_PASSWORD@127.0.0.1:$pg_port/$db
export VERSIQII_OWNER_DATABASE_URL=postgres://versiqii_owner:$OWNER_PASSWORD@127.0.0.1:$pg_port/$db
export VERSIQII_DISPATCHER_DATABASE_URL=postgres://versiqii_dispatcher:$DISPATCHER_PASSWORD@127.0.0.1:$pg_port/$db
export VERSIQII_OPERATOR_DATABASE_URL=postgres://versiqii_operator:$OPERATOR_PASSWORD@127.0.0.1:$pg_port/$db
export VERSIQII_REDIS_URL=redis://127.0.0.1:$redis_port
export VERSIQII_JWT_SECRET_FILE=$dir/jwt_secret
ENV
  (umask 077 && printf '%s' "$JWT_SECRET" >"$dir/jwt_secret")
}

case "$cmd" in
  start) start "$@" ;;
  stop) stop ;;
  *) echo "usage: services.sh start|stop DIR ..." >&2; exit 2 ;;
esac
