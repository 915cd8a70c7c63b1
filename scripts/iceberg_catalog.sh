# Sourced by scripts/demo.sh and bench/iceberg.sh (run from the repository root): starts the test
# Iceberg REST catalog (tests/e2e/iceberg_catalog.mjs, not shipped) on a local warehouse.
#
#   catalog_start DIR  starts it with --dir DIR (its log goes to DIR.log) and sets catalog_uri
#                      (http://127.0.0.1:<port>) and catalog_pid; an EXIT trap stops it.
#
# The catalog serves until its stdin closes. Its stdin is a pipe from a keeper process that holds
# it open while the sourcing script lives (and ends within a second of the script, however the
# script ends); the EXIT trap stops the catalog at once.
catalog_keep_open() { while kill -0 "$1" 2>/dev/null; do sleep 1; done; }

catalog_start() {
  local dir=$1
  mkdir -p "$dir"
  rm -f "$dir.port"
  catalog_keep_open $$ | NODE_PATH="$PWD/node_modules" node tests/e2e/iceberg_catalog.mjs \
    --dir "$dir" >"$dir.port" 2>"$dir.log" &
  catalog_pid=$!
  trap 'kill "$catalog_pid" 2>/dev/null || true' EXIT
  local port=""
  for _ in $(seq 300); do  # it prints {"port":N} once listening (a few hundred ms)
    port=$(sed -n 's/.*"port": *\([0-9][0-9]*\).*/\1/p' "$dir.port")
    [ -n "$port" ] && break
    kill -0 "$catalog_pid" 2>/dev/null || { cat "$dir.log" >&2; return 1; }
    sleep 0.1
  done
  [ -n "$port" ] || { echo "the test catalog did not start (see $dir.log)" >&2; return 1; }
  catalog_uri="http://127.0.0.1:$port"
}
