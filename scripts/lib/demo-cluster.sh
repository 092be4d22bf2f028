#!/usr/bin/env bash
# scripts/demo cluster: a dstack4j cluster on a local anvil, every node a separate process.
# Starts anvil (pinned npm package), deploys DstackCluster, runs genesis and JOINS joins (default 2) with
# simulator agents (each its own socket, seed and state; one shared test PKI), a relay per CVM, and one CVM
# whose MRTD the policy does not allow (refused on chain with the check's name). Cleans up on exit.
# The last line of stdout is a JSON summary:
#   {"members":N,"refused":[{"request":"ID","check":"NAME"}],"same_cluster_keys":true|false,"join_ms":[...],
#    "audit":{exit codes of gov audit-genesis before/after bootstrap, audit-join of an onboarded and the refused
#             request, and of the onboarded one again after the governor removed its values from the policy},
#    "approved_images":[newest first],"proposed":[{"kind","value","applicable"}]}
# With --faults: the member that ranks first for the last join request has its node process killed before
# that request is made (another member answers after the 5 s fallback delay). Which member that is depends on the
# random cluster keys, so both recoveries then run, the killed member's first: a joiner's node (the killed one, else
# node1) restarts and joins again with a new key as the same node address; the genesis CVM, whose compose pins no
# cluster keys and so cannot join, is removed by the governor and comes back as a new CVM on the joiners' compose.
# Then the governor removes the restarted joiner and its next request is refused by the contract. The summary adds
# {"killed_responder","restarted","rejoined","genesis_redeployed","removed_member_refused"}.
# With --apps: the joiners' (and mallory's) agents run in cluster mode (`agent --cluster-keys --node-socket`, the
# node serving `--app-socket`); after the joins two members answer GetKey (the raw dstack API over their app
# sockets) with the same key, a ClusterAttest of one of them verifies on chain, and mallory's agent refuses GetKey.
# The summary adds {"app_keys_client":"@phala/dstack-sdk"|"curl", "app_keys_equal":…, "attestation_verified":…,
# "non_member_refused":"<the agent's error>", "non_member_sdk_error":"<the JS SDK's>"} (the official JS SDK from
# e2e/js when installed, else curl on the raw API).
# Usage: scripts/demo cluster [--joins N] [--faults] [--apps] [--keep]
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
. "$ROOT/scripts/lib/java.sh"
JOINS=2 KEEP=0 KILL=0 APPS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --joins) JOINS=${2:?--joins needs a number}; shift ;;
    --keep) KEEP=1 ;;
    --faults) KILL=1 ;;
    --apps) APPS=1 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo cluster: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
say() { echo "== $*" >&2; }
find_jdk21 || exit 1
command -v jq >/dev/null || { echo "demo cluster: needs jq (apt-get install jq)" >&2; exit 1; }
if [ ! -x "$ROOT/contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" ]; then
  say "installing the pinned anvil (npm ci in contracts/)"
  (cd "$ROOT/contracts" && npm ci --no-audit --no-fund >&2)
fi
ANVIL="$ROOT/contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
"$ROOT/bin/dstack4j" --version >/dev/null
. "$ROOT/scripts/lib/cli-jar.sh"
JAR=$CLI_JAR
# dozens of short JVMs: C1 only, the serial collector, the CLI's classes from a shared archive
JSA=$(cli_class_archive)
JVM=("$JAVA_HOME/bin/java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Xmx256m ${JSA:+"-XX:SharedArchiveFile=$JSA" -Xshare:auto -Xlog:disable})
d4j() { "${JVM[@]}" -jar "$JAR" "$@"; }
# for background services: exec replaces the job's subshell, so $! is the JVM itself (kill reaches it)
d4j_bg() { exec "${JVM[@]}" -jar "$JAR" "$@"; }

W=$(mktemp -d /tmp/dstack4j-cluster.XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  if [ "$KEEP" = 1 ]; then say "kept running: work dir $W, pids ${PIDS[*]}"; exit $rc; fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$W"
  exit $rc
}
trap cleanup EXIT INT TERM

. "$ROOT/scripts/lib/anvil.sh"
start_anvil "$ANVIL" "$W/anvil.log"; PIDS+=("$ANVIL_PID")
CAST="$ROOT/contracts/node_modules/@foundry-rs/cast-linux-amd64/bin/cast"
# anvil's public dev accounts (test only, from its well-known mnemonic): 0 is the governor, 1.. the hosts' gas keys
for i in $(seq 0 $(( JOINS + 2 ))); do
  "$CAST" wallet private-key --mnemonic "test test test test test test test test test test test junk" --mnemonic-index "$i" \
    | sed 's/^0x//' >"$W/key$i"
done
chmod 600 "$W"/key*
GOV=(--rpc "$RPC" --key-file "$W/key0")
say "deploying DstackCluster on anvil ($RPC)"
C=$(d4j cluster gov deploy "${GOV[@]}" --policy-delay 0 --max-anchor-age 64 --request-ttl 256 | tail -1)
CHAIN=$(curl -s -X POST -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$RPC" | jq -r .result)
CHAIN=$((CHAIN))

compose() { # name [signer enc_key]
  # the pin names the chain's RPC endpoint: nodes read it only through their relay's tunnel (anvil speaks plain http,
  # which a pin accepts only with allow_test_root; a real cluster pins https providers and a quorum)
  jq -n --arg c "$C" --argjson chain "$CHAIN" --arg rpc "$RPC" --arg s "${2:-}" --arg e "${3:-}" --arg lc $'services:\n  app:\n    image: example/app@sha256:'"$(printf 'ab%.0s' $(seq 32))"$'\n' '
    {manifest_version: 2, name: "cluster-node", runner: "docker-compose", docker_compose_file: $lc,
     kms_enabled: false, gateway_enabled: false, local_key_provider_enabled: true, key_provider_id: "",
     no_instance_id: true,
     dstack4j_cluster: ({chain_id: $chain, contract: $c} + (if $s == "" then {} else {signer: $s, enc_key: $e} end) + {allow_test_root: true, rpc: [$rpc]})}'
}
agent() { # name composefile [measurements]
  local extra=(); [ -n "${3:-}" ] && extra=(--measurements "$3")
  # cluster mode: apps get cluster keys on .agent.sock; the node uses its own keys on .node.sock
  [ "$APPS" = 1 ] && [ "$1" != genesis ] && extra+=(--cluster-keys "$W/$1.keys.sock" --node-socket "$W/$1.node.sock")
  d4j_bg agent --simulator --seed "$1" --pki-seed dstack4j-demo-cluster --app-compose "$2" --socket "$W/$1.agent.sock" \
    --state-dir "$W/$1.state" --write-collateral "$W/collateral.json" --write-test-root "$W/root.pem" "${extra[@]}" \
    >"$W/$1.agent.log" 2>&1 & PIDS+=($!)
  AGENT_PID[$1]=$!
  for _ in $(seq 1200); do [ -S "$W/$1.agent.sock" ] && return 0; sleep 0.1; done
  echo "demo cluster: agent $1 did not start: $(tail -3 "$W/$1.agent.log")" >&2; return 1
}
relay() { # name keyindex

  d4j_bg cluster host --socket "$W/$1.relay.sock" --rpc "$RPC" --contract "$C" --key-file "$W/key$2" \
    --collateral "$W/collateral.json" --tunnel "$RPC" >"$W/$1.relay.log" 2>&1 & PIDS+=($!)
  for _ in $(seq 1200); do [ -S "$W/$1.relay.sock" ] && return 0; sleep 0.1; done
  echo "demo cluster: relay $1 did not start: $(tail -3 "$W/$1.relay.log")" >&2; return 1
}
declare -A NODE_PID NODE_ADDR AGENT_PID
node() { # name [--genesis]
  local sock="$W/$1.agent.sock" extra=()
  if [ "$APPS" = 1 ] && [ "$1" != genesis ]; then sock="$W/$1.node.sock" extra=(--app-socket "$W/$1.keys.sock"); fi
  # emptied here, not only by the background job's own redirection (which may run after the caller's first await):
  # a restarted node's file still holds its previous run's "joined", which await would otherwise take for the new one
  : >"$W/$1.node.out"; : >"$W/$1.node.err"
  d4j_bg cluster node --agent-socket "$sock" "${extra[@]}" --relay-socket "$W/$1.relay.sock" --contract "$C" \
    --confirmations 0 --poll-ms 200 --fallback-delay 5 --join-timeout 120 "${@:2}" >"$W/$1.node.out" 2>"$W/$1.node.err" & PIDS+=($!)
  NODE_PID[$1]=$!
}
first_responder() { # request id -> the member name that ranks first (docs/cluster-protocol.md "Responders")
  local best="" bestscore="" name score
  for name in "${!NODE_ADDR[@]}"; do
    kill -0 "${NODE_PID[$name]}" 2>/dev/null || continue
    [ "$name" = mallory ] && continue
    score=$("$CAST" keccak "0x$(printf '%064x' "$1")${NODE_ADDR[$name]#0x}")
    if [ -z "$bestscore" ] || [[ "$score" < "$bestscore" ]]; then best=$name bestscore=$score; fi
  done
  echo "$best"
}
await() { # file event seconds
  for _ in $(seq $(( $3 * 10 ))); do
    grep -q "\"event\":\"$2\"" "$1" 2>/dev/null && { grep "\"event\":\"$2\"" "$1" | tail -1; return 0; }
    sleep 0.1
  done
  echo "demo cluster: no $2 in $1 after $3 s: $(tail -3 "${1%.out}.err" 2>/dev/null)" >&2; return 1
}
addr_of() { # keyfile -> address (cast, pinned npm package)
  "$CAST" wallet address --private-key "0x$(cat "$1")"
}

say "allowing the hosts' gas keys"
for i in $(seq 1 $(( JOINS + 2 ))); do d4j cluster gov operator "${GOV[@]}" --contract "$C" "$(addr_of "$W/key$i")"; done

say "genesis"
compose genesis >"$W/genesis.json"
agent genesis "$W/genesis.json"
relay genesis 1
node genesis --genesis
await "$W/genesis.node.out" genesis-submitted 120 >/dev/null
say "policy: the genesis CVM's measurement, compose, launcher compose, the test root, UpToDate"
d4j cluster gov allow "${GOV[@]}" --contract "$C" --apply --from-agent "$W/genesis.agent.sock" --dcap-root-cert "$W/root.pem" \
  --tcb-status UpToDate >&2
audit() { # audit-join|gov audit-genesis args... -> its exit code; the JSON report in $W/audit.json
  local rc=0; d4j cluster "$@" --rpc "$RPC" --contract "$C" --collateral "$W/collateral.json" --output json >"$W/audit.json" || rc=$?
  jq -c '{verdict, audit, chain}' "$W/audit.json" >&2 || true; echo "$rc"
}
say "the governor audits the genesis record (exit 5: every check passes, not bootstrapped yet)"
AUDIT_GENESIS_BEFORE=$(audit gov audit-genesis)
d4j cluster gov bootstrap "${GOV[@]}" --contract "$C" --genesis-id 1 >&2
G=$(await "$W/genesis.node.out" bootstrapped 120)
NODE_ADDR[genesis]=$(jq -r .node <<<"$G")
SIGNER=$(jq -r .signer <<<"$G") ENC=$(jq -r .enc_key <<<"$G")

compose joiner "$SIGNER" "$ENC" >"$W/joiner.json"
jq '.mrtd |= ("00" + .[2:])' "$ROOT/agent/src/main/resources/org/dstack4j/agent/simulator/default-measurements.json" >"$W/other-mrtd.json"
for j in $(seq 1 "$JOINS"); do agent "node$j" "$W/joiner.json"; done
agent mallory "$W/joiner.json" "$W/other-mrtd.json"
say "policy: the joiners' compose (their other values are the genesis's, already allowed)"
d4j cluster gov allow "${GOV[@]}" --contract "$C" --apply --from-agent "$W/node1.agent.sock" --dcap-root-cert "$W/root.pem" \
  --tcb-status UpToDate >&2

JOIN_MS=()
for j in $(seq 1 "$JOINS"); do
  say "join $j"
  if [ "$KILL" = 1 ] && [ "$j" = "$JOINS" ]; then
    next=$(( $(d4j cluster status --rpc "$RPC" --contract "$C" --output json | jq '[.pending, .onboarded, .refused] | map(length) | add') + 1 ))
    victim=$(first_responder "$next")
    say "killing $victim's node, the first responder for request $next"
    kill "${NODE_PID[$victim]}"; wait "${NODE_PID[$victim]}" 2>/dev/null || true
    KILLED=$victim
  fi
  relay "node$j" $(( j + 1 ))
  node "node$j"
  J=$(await "$W/node$j.node.out" joined 120)
  NODE_ADDR[node$j]=$(jq -r .node <<<"$J")
  [ "$(jq -r .signer <<<"$J")" = "$SIGNER" ] && [ "$(jq -r .enc_key <<<"$J")" = "$ENC" ] || SAME=false
  JOIN_MS+=("$(jq -r .join_ms <<<"$J")")
done
if [ "$KILL" = 1 ]; then
  # Who ranked first depends on the random cluster keys (node addresses), so both recoveries run in every run, the
  # killed member's first (while a dead member stays on chain, a request it ranks first for waits the fallback delay).
  redeploy_genesis() {
    # the genesis compose pins no cluster keys, so a genesis CVM cannot join (the node refuses to): the governor
    # removes the genesis member and its operator redeploys the CVM with the joiners' compose (a new app, a new node address)
    say "genesis: the governor removes the genesis member, its operator redeploys the CVM with the joiners' compose"
    kill "${NODE_PID[genesis]}" 2>/dev/null || true; wait "${NODE_PID[genesis]}" 2>/dev/null || true
    d4j cluster gov remove-member "${GOV[@]}" --contract "$C" "${NODE_ADDR[genesis]}" >&2
    kill "${AGENT_PID[genesis]}"; wait "${AGENT_PID[genesis]}" 2>/dev/null || true
    rm -rf "$W/genesis.state" "$W/genesis.agent.sock"
    agent genesis "$W/joiner.json"
    node genesis
    local r; r=$(await "$W/genesis.node.out" joined 120)
    [ "$(jq -r .node <<<"$r")" != "${NODE_ADDR[genesis]}" ] && GENESIS_REDEPLOYED=true
    NODE_ADDR[genesis]=$(jq -r .node <<<"$r")
  }
  restart_joiner() { # name: its node restarts on the same CVM and joins again with a new key, as the same node address
    say "restarting $1's node: it joins again with a new key"
    kill "${NODE_PID[$1]}" 2>/dev/null || true; wait "${NODE_PID[$1]}" 2>/dev/null || true
    node "$1"
    local r; r=$(await "$W/$1.node.out" joined 120)
    [ "$(jq -r .node <<<"$r")" = "${NODE_ADDR[$1]}" ] && REJOINED=true
  }
  if [ "$KILLED" = genesis ]; then
    redeploy_genesis; RESTARTED=node1; restart_joiner node1
  else
    RESTARTED=$KILLED; restart_joiner "$KILLED"; redeploy_genesis
  fi
  say "the governor removes $RESTARTED; its next request is refused"
  kill "${NODE_PID[$RESTARTED]}"; wait "${NODE_PID[$RESTARTED]}" 2>/dev/null || true
  d4j cluster gov remove-member "${GOV[@]}" --contract "$C" "${NODE_ADDR[$RESTARTED]}" >&2
  node "$RESTARTED"
  rc=0; wait "${NODE_PID[$RESTARTED]}" || rc=$?
  [ "$rc" = 1 ] && grep -q NodeRemoved "$W/$RESTARTED.node.err" && REMOVED_REFUSED=true
fi
say "a CVM with an MRTD the policy does not allow"
relay mallory $(( JOINS + 2 ))
node mallory
await "$W/mallory.node.out" refused 120 >/dev/null

say "the governor approves two image digests (listed newest first) and proposes a third without applying it"
for img in 11 22; do d4j cluster gov allow "${GOV[@]}" --contract "$C" --apply image "0x$(printf "$img%.0s" $(seq 32))" >&2; done
d4j cluster gov allow "${GOV[@]}" --contract "$C" image "0x$(printf '33%.0s' $(seq 32))" >&2
S=$(d4j cluster status --rpc "$RPC" --contract "$C" --output json)
echo "$S" | jq . >&2
say "anyone audits from chain data: the genesis, the first onboarded request, the refused one"
AUDIT_GENESIS=$(audit gov audit-genesis)
ONB=$(jq -r '.onboarded[0].request' <<<"$S") REF=$(jq -r '.refused[0].request' <<<"$S")
AUDIT_ONB=$(audit audit-join "$ONB")
AUDIT_REF=$(audit audit-join "$REF"); REF_CHECK=$(jq -r .audit.check "$W/audit.json")
say "the governor removes the joiners' values from the policy; request $ONB still audits against the policy of its block"
d4j cluster gov disallow "${GOV[@]}" --contract "$C" --from-agent "$W/node1.agent.sock" >&2
AUDIT_AFTER=$(audit audit-join "$ONB")
AUDIT_JSON=$(jq -nc --argjson gb "$AUDIT_GENESIS_BEFORE" --argjson g "$AUDIT_GENESIS" --argjson o "$AUDIT_ONB" --argjson r "$AUDIT_REF" \
  --arg rc "$REF_CHECK" --argjson a "$AUDIT_AFTER" \
  '{genesis_before_bootstrap: $gb, genesis: $g, onboarded: $o, refused: $r, refused_check: $rc, onboarded_after_policy_change: $a}')
if [ "$APPS" = 1 ]; then
  say "apps: GetKey on two members' agents, ClusterAttest verified on chain, GetKey on mallory's"
  # two members whose nodes still run (with --faults one joiner's node was removed by the governor)
  LIVE=(); for n in $(seq 1 "$JOINS"); do [ "node$n" != "${RESTARTED:-}" ] && LIVE+=("node$n"); done
  A1=${LIVE[0]} A2=${LIVE[1]:?--apps needs two live joiners (use --joins 2, or 3 with --faults)}
  getkey() { curl -s --max-time 10 --unix-socket "$W/$1.agent.sock" -X POST -H 'content-type: application/json' \
    -d '{"path":"demo/app","purpose":"signing"}' http://localhost/GetKey; }
  if [ -d "$ROOT/e2e/js/node_modules/@phala/dstack-sdk" ]; then
    # the official JS SDK, as an app would call it; the chain's last signature must recover to the cluster signer
    # `command`: node() above is this script's cluster-node starter, not Node.js
    J=$(cd "$ROOT/e2e/js" && command node cluster-keys.mjs "$W/$A1.agent.sock" "$W/$A2.agent.sock" "$W/mallory.agent.sock")
    [ "$(jq -r .keys_equal <<<"$J")" = true ] && [ "$(jq -r .issuer <<<"$J")" = "$SIGNER" ] && APP_KEYS_EQUAL=true
    APP_CLIENT=@phala/dstack-sdk SDK_ERR=$(jq -r .nonmember_error <<<"$J")
  else
    K1=$(getkey "$A1" | jq -r .key) K2=$(getkey "$A2" | jq -r .key)
    [ -n "$K1" ] && [ "$K1" != null ] && [ "$K1" = "$K2" ] && APP_KEYS_EQUAL=true
    APP_CLIENT=curl
  fi
  # the agent's own words (the JS SDK reports a refused call without the body)
  MALLORY_ERR=$(getkey mallory | jq -r '.error // empty')
  A=$(curl -s --max-time 10 --unix-socket "$W/$A1.agent.sock" -X POST -H 'content-type: application/json' \
    -d '{"data":"'"$(printf 'demo data' | xxd -p)"'"}' http://localhost/ClusterAttest)
  V=$("$CAST" call --rpc-url "$RPC" "$C" 'verifyAttestation(bytes32,bytes,bytes)(bool)' "$(jq -r .app_id <<<"$A")" \
    "0x$(printf 'demo data' | xxd -p)" "$(jq -r .signature <<<"$A")")
fi

jq -c --arg apps "$APPS" --arg eq "${APP_KEYS_EQUAL:-false}" --arg v "${V:-false}" --arg merr "${MALLORY_ERR:-}" --arg client "${APP_CLIENT:-}" --arg sdkerr "${SDK_ERR:-}" --argjson audit "$AUDIT_JSON" --arg killed "${KILLED:-}" --arg rejoined "${REJOINED:-false}" --arg removed "${REMOVED_REFUSED:-false}" --arg redeployed "${GENESIS_REDEPLOYED:-false}" --arg restarted "${RESTARTED:-}" --argjson ms "[$(IFS=,; echo "${JOIN_MS[*]}")]" --arg same "${SAME:-true}" --arg signer "$SIGNER" --arg enc "$ENC" '
  {members: (.members | length), refused: [.refused[] | {request, check}],
   same_cluster_keys: ($same == "true" and .signer == $signer and .enc_key == $enc), join_ms: $ms, audit: $audit,
   approved_images: .approved_images, proposed: [.policy_proposed[] | {kind, value, applicable}]} + (if $killed == "" then {} else {killed_responder: $killed,
   restarted: $restarted, rejoined: ($rejoined == "true"), genesis_redeployed: ($redeployed == "true"),
   removed_member_refused: ($removed == "true")} end)
   + (if $apps == "1" then {app_keys_client: $client, app_keys_equal: ($eq == "true"), attestation_verified: ($v == "true"), non_member_refused: $merr, non_member_sdk_error: $sdkerr} else {} end)' <<<"$S"
