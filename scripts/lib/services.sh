# Sourced by scripts/demo and bench/launch: starts the real local services the launcher talks to
# (a private dockerd, a docker-registry on 127.0.0.1, our guest agent) and builds sample node images.
# Every service started here is recorded in STARTED_PIDS and stopped by stop_services.

STARTED_PIDS=()
DSTACK4J_BRIDGE=""

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

ensure_packages() { # installs what is missing: dockerd, docker-registry, busybox-static, curl, iproute2, pebble
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  [ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
  dpkg_installed busybox-static || missing+=(busybox-static)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v pebble-challtestsrv >/dev/null 2>&1 || missing+=(pebble) # ACME test server (unstoppable TLS)
  if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}); run as root or install them first"
    say "installing ${missing[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
  fi
}

dpkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

free_port() { # a TCP port free on 127.0.0.1 right now
  python3 - <<'PY' 2>/dev/null || shuf -i 20000-60000 -n 1
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

wait_for() { # SECONDS DESCRIPTION COMMAND... : polls until the command succeeds
  local secs=$1 what=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.2
  done
}

start_dockerd() { # WORKDIR: a private dockerd (own socket, data root, exec root, bridge); exports DOCKER_HOST
  local w=$1/dockerd
  mkdir -p "$w"
  # A bridge of our own, so this daemon does not fight another dockerd over docker0.
  DSTACK4J_BRIDGE=d4j$$
  DSTACK4J_BRIDGE=${DSTACK4J_BRIDGE:0:15}
  local net=$(( ($$ % 200) + 20 ))
  ip link add name "$DSTACK4J_BRIDGE" type bridge
  ip addr add "172.29.$net.1/24" dev "$DSTACK4J_BRIDGE"
  ip link set "$DSTACK4J_BRIDGE" up
  dockerd --host "unix://$w/docker.sock" --data-root "$w/data" --exec-root "$w/exec" \
    --pidfile "$w/docker.pid" --bridge "$DSTACK4J_BRIDGE" --iptables=false --ip-masq=false >"$w/dockerd.log" 2>&1 &
  STARTED_PIDS+=($!)
  export DOCKER_HOST="unix://$w/docker.sock"
  wait_for 60 dockerd curl -sf --unix-socket "$w/docker.sock" http://docker/_ping \
    || { tail -n 20 "$w/dockerd.log" >&2; die "dockerd did not start (log: $w/dockerd.log)"; }
}

start_registry() { # WORKDIR PORT: docker-registry on 127.0.0.1:PORT, anonymous, storage under WORKDIR
  local w=$1/registry port=$2
  mkdir -p "$w/data"
  cat >"$w/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $w/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: dstack4j-demo-$(date +%s)
YML
  docker-registry serve "$w/config.yml" >"$w/registry.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for 30 registry curl -sf "http://127.0.0.1:$port/v2/" \
    || { tail -n 20 "$w/registry.log" >&2; die "docker-registry did not start (log: $w/registry.log)"; }
}

start_agent() { # ROOT WORKDIR: our guest agent (simulator) on WORKDIR/dstack.sock
  local root=$1 w=$2
  mkdir -p "$w/agent-state"
  "$root/bin/dstack4j" agent --simulator --socket "$w/dstack.sock" --state-dir "$w/agent-state" \
    --write-collateral "$w/collateral.json" --write-test-root "$w/test-root.pem" >"$w/agent.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for 60 agent test -S "$w/dstack.sock" \
    || { tail -n 20 "$w/agent.log" >&2; die "guest agent did not start (log: $w/agent.log)"; }
}

build_node_image() { # WORKDIR VERSION REF: imports a busybox-based sample MPC node image as REF
  local w=$1/images/$2 version=$2 ref=$3
  rm -rf "$w"; mkdir -p "$w/rootfs/bin" "$w/rootfs/www" "$w/rootfs/etc"
  cp /bin/busybox "$w/rootfs/bin/busybox"
  for c in sh sleep httpd env cat ls; do ln -sf busybox "$w/rootfs/bin/$c"; done
  echo "sample MPC node $version" >"$w/rootfs/www/index.html"
  echo "$version" >"$w/rootfs/etc/mpc-node-version"
  # today's node command (TOML mode): /app/mpc-node start-with-config-file <file>
  mkdir -p "$w/rootfs/app"
  printf '#!/bin/sh\nexec /bin/busybox httpd -f -p 8080 -h /www\n' >"$w/rootfs/app/mpc-node"
  chmod 755 "$w/rootfs/app/mpc-node"
  tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$w/rootfs" -cf "$w/rootfs.tar" .
  docker import -c 'CMD ["/bin/busybox","httpd","-f","-p","8080","-h","/www"]' \
    -c 'EXPOSE 8080' "$w/rootfs.tar" "$ref" >/dev/null
}

image_id() { docker image inspect -f '{{.Id}}' "$1"; }

manifest_digest() { # REF: manifest digest after push (from RepoDigests)
  docker image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$1" | head -n1 | sed 's/.*@//'
}

push_index() { # REGISTRY NAME TAG AMD64_MANIFEST_DIGEST DECOY_MANIFEST_DIGEST: OCI index, arm64 decoy first
  local reg=$1 name=$2 tag=$3 amd=$4 decoy=$5 amd_size decoy_size mt=application/vnd.docker.distribution.manifest.v2+json
  amd_size=$(curl -sf -H "Accept: $mt" "http://$reg/v2/$name/manifests/$amd" | wc -c)
  decoy_size=$(curl -sf -H "Accept: $mt" "http://$reg/v2/$name/manifests/$decoy" | wc -c)
  curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' --data-binary @- \
    "http://$reg/v2/$name/manifests/$tag" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
{"mediaType":"$mt","digest":"$decoy","size":$decoy_size,"platform":{"architecture":"arm64","os":"linux"}},
{"mediaType":"$mt","digest":"$amd","size":$amd_size,"platform":{"architecture":"amd64","os":"linux"}}]}
JSON
}

stop_services() { # stops everything start_* started, newest first; removes our bridge
  local i
  for ((i=${#STARTED_PIDS[@]}-1; i>=0; i--)); do
    kill "${STARTED_PIDS[$i]}" 2>/dev/null || true
  done
  for ((i=${#STARTED_PIDS[@]}-1; i>=0; i--)); do
    for _ in $(seq 1 100); do kill -0 "${STARTED_PIDS[$i]}" 2>/dev/null || break; sleep 0.1; done
    kill -9 "${STARTED_PIDS[$i]}" 2>/dev/null || true
  done
  STARTED_PIDS=()
  if [ -n "$DSTACK4J_BRIDGE" ]; then ip link del "$DSTACK4J_BRIDGE" 2>/dev/null || true; fi
}
