# A local ZooKeeper for the cluster-mode benchmarks (bench/zk.sh, bench/fleet.sh), sourced, not run:
#   source bench/zk_server.sh; zk_start DIR   # sets ZK_HOSTS=127.0.0.1:PORT and ZK_PID
#   zk_stop                                   # (the caller's EXIT trap should call it)
# Debian's zookeeper package (scripts/setup.sh installs it): the standalone server on a free
# loopback port, data in DIR/data, default tickTime and fsync (as a production server), admin
# server off, only the four-letter word "srvr" allowed (used to wait until it serves).

zk_start() {
  local dir=$1 port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$dir"
  cat > "$dir/zoo.cfg" <<CFG
tickTime=2000
dataDir=$dir/data
clientPort=$port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr
CFG
  java -Xmx1g -cp /usr/share/java/zookeeper.jar org.apache.zookeeper.server.ZooKeeperServerMain \
    "$dir/zoo.cfg" > "$dir/server.log" 2>&1 &
  ZK_PID=$!
  ZK_HOSTS="127.0.0.1:$port"
  for _ in $(seq 1 600); do
    # "srvr" names the mode only once the server serves requests ("ruok" answers earlier). A
    # server still starting may accept and not answer: hence the timeout.
    if { exec 3<>"/dev/tcp/127.0.0.1/$port" && printf srvr >&3 &&
         [[ "$(timeout 2 cat <&3)" == *"Mode: "* ]]; } 2>/dev/null; then
      exec 3>&-
      echo "== ZooKeeper $(dpkg-query -W -f='${Version}' zookeeper 2>/dev/null) on $ZK_HOSTS"
      return 0
    fi
    exec 3>&-
    if ! kill -0 "$ZK_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "ZooKeeper did not start; its log:" >&2
  cat "$dir/server.log" >&2
  return 1
}

zk_stop() {
  if [ -n "${ZK_PID:-}" ]; then
    kill "$ZK_PID" 2>/dev/null || true
    wait "$ZK_PID" 2>/dev/null || true
    ZK_PID=
  fi
}
