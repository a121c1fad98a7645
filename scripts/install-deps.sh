#!/usr/bin/env bash
# Installs what Versiqii needs to run locally when it is missing: PostgreSQL 15 and Redis.
set -euo pipefail

need=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15 postgresql-client-15)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v curl >/dev/null 2>&1 || need+=(curl)
[ ${#need[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# The package's own cluster is not ours; keep apt from starting services in containers.
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
