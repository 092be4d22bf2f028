# Sourced by scripts/lib/demo-cluster.sh and bench/cluster: starts anvil (the pinned npm binary) on 127.0.0.1 on a
# port the OS picks (--port 0; a port chosen by the script could be taken by then), and waits until it answers.
# start_anvil BINARY LOG [ANVIL ARGS...]: sets ANVIL_PID and RPC (http://127.0.0.1:PORT); returns 1, with anvil's
# last log lines on stderr, when it exits or does not listen within 60 s. The caller stops it (kill $ANVIL_PID).
start_anvil() {
  local bin=$1 log=$2 port="" i; shift 2
  "$bin" --port 0 --host 127.0.0.1 "$@" >"$log" 2>&1 &
  ANVIL_PID=$!
  for i in $(seq 600); do
    port=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$port" ] && break
    kill -0 "$ANVIL_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "anvil did not start listening within 60 s: $(tail -5 "$log")" >&2
    kill "$ANVIL_PID" 2>/dev/null || true
    return 1
  fi
  RPC=http://127.0.0.1:$port
}
