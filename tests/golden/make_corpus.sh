#!/usr/bin/env bash
# Regenerates the golden corpus (tests/golden/captures + expected + cases.tsv) from the Linux
# kernel: three network namespaces (client ust-a, router ust-r, server ust-b) joined by veth
# pairs, python socket peers (peers/), captures written and read back by the real tcpdump.
# Needs root. Everything it creates is deleted on exit (trap), also on failure.
# Traffic stays inside the namespaces created here.
set -euo pipefail
export LC_ALL=C TZ=UTC

HERE=$(cd "$(dirname "$0")" && pwd)
CAP=$HERE/captures
EXP=$HERE/expected
MAL=$HERE/malformed
PEERS=$HERE/peers
PY=/usr/bin/python3
TMP=$(mktemp -d /tmp/ust-golden.XXXXXX)
A=ust-a R=ust-r B=ust-b
A4=10.0.1.1 B4=10.0.2.1 A6=fd00:1::1 B6=fd00:2::1
PIDS=()

log() { printf '[golden] %s\n' "$*"; }
die() { printf '[golden] error: %s\n' "$*" >&2; exit 1; }

cleanup() {
  local rc=$?
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  for ns in $A $R $B; do ip netns del "$ns" 2>/dev/null; done
  [ -n "${KEEP_TMP:-}" ] && log "kept $TMP" || rm -rf "$TMP"
  [ $rc -eq 0 ] || log "failed (rc=$rc); namespaces deleted"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in tcpdump ethtool nft ping editcap ss; do command -v $t >/dev/null || die "missing $t"; done

ina() { ip netns exec $A "$@"; }
inr() { ip netns exec $R "$@"; }
inb() { ip netns exec $B "$@"; }

# ---------------------------------------------------------------- topology
topology_up() {
  for ns in $A $R $B; do ip netns del "$ns" 2>/dev/null || true; done
  for ns in $A $R $B; do
    ip netns add $ns
    ip netns exec $ns sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ip netns exec $ns ip link set lo up
  done
  # Fixed MAC addresses so -e output is stable between runs.
  # Large fixed ifindexes: LINUX_SLL2 records carry the ifindex and tcpdump -r prints
  # if_indextoname() of the *reading* machine, "?" when it does not resolve (see README).
  ip link add name veth-a netns $A index 1011 address 02:00:00:00:01:01 type veth \
     peer name veth-ra netns $R index 1012 address 02:00:00:00:01:fe
  ip link add name veth-b netns $B index 1021 address 02:00:00:00:02:01 type veth \
     peer name veth-rb netns $R index 1022 address 02:00:00:00:02:fe
  ina ip addr add $A4/24 dev veth-a
  ina ip -6 addr add $A6/64 dev veth-a nodad
  inb ip addr add $B4/24 dev veth-b
  inb ip -6 addr add $B6/64 dev veth-b nodad
  inr ip addr add 10.0.1.254/24 dev veth-ra
  inr ip -6 addr add fd00:1::fe/64 dev veth-ra nodad
  inr ip addr add 10.0.2.254/24 dev veth-rb
  inr ip -6 addr add fd00:2::fe/64 dev veth-rb nodad
  inr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  for x in "$A veth-a" "$B veth-b" "$R veth-ra" "$R veth-rb"; do set -- $x; ip netns exec $1 ip link set $2 up; done
  # Client ports away from /etc/services entries (57000, 60177, 60179), so -n prints numbers.
  ina sysctl -qw net.ipv4.ip_local_port_range="41000 56999"
  ina ip route add default via 10.0.1.254
  ina ip -6 route add default via fd00:1::fe
  inb ip route add default via 10.0.2.254
  inb ip -6 route add default via fd00:2::fe
  offloads off
  # Wait (bounded) until the path works both ways.
  local i
  for i in $(seq 50); do
    ina ping -c1 -W1 -q $B4 >/dev/null 2>&1 && ina ping -6 -c1 -W1 -q $B6 >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "namespaces do not route"
}

# off: no TSO/GSO/GRO and no TX checksum offload -> MTU-sized segments, correct checksums.
# on:  the veth defaults (TX checksum offload) -> the sender's capture shows partial checksums.
offloads() {
  local onoff=$1 x
  for x in "$A veth-a" "$B veth-b" "$R veth-ra" "$R veth-rb"; do
    set -- $x
    if [ "$onoff" = off ]; then
      ip netns exec $1 ethtool -K $2 tx off tso off gso off gro off >/dev/null 2>&1
    else
      ip netns exec $1 ethtool -K $2 tx on tso on gso on gro off >/dev/null 2>&1
    fi
  done
}

# ---------------------------------------------------------------- capture and peers
CAPS=() CAPN=0
# cap_start NAME NS IFACE SNAPLEN FILTER [tcpdump options...]
cap_start() {
  local name=$1 ns=$2 ifc=$3 snap=$4 filter=$5; shift 5
  local ext=pcap i log="$TMP/$name.$((++CAPN)).log"
  rm -f "$CAP/$name.pcap"
  ip netns exec $ns tcpdump -i $ifc -s $snap -U --immediate-mode -Z root "$@" -w "$CAP/$name.$ext" $filter \
     2>"$log" &
  CAPS+=($!); PIDS+=($!)
  for i in $(seq 100); do grep -q "listening on" "$log" && return 0; sleep 0.05; done
  cat "$log" >&2; die "tcpdump for $name did not start"
}
cap_stop() {
  local p
  sleep 0.5
  for p in "${CAPS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  for p in "${CAPS[@]}"; do wait "$p" 2>/dev/null || true; done
  CAPS=()
}
# closed NAME [MIN_FINS]: sets OK=0 unless the capture holds MIN_FINS (default 2) FIN segments
# and ends with a pure ACK (the last ACK of the close). Guards against a capture that lost its
# tail; the scenario is then run again.
OK=1
closed() {
  local out; out=$(tcpdump -r "$CAP/$1.pcap" -nn 2>/dev/null)
  if [ "$(grep -c 'Flags \[F' <<<"$out")" -lt "${2:-2}" ] || ! tail -1 <<<"$out" | grep -q 'Flags \[\.\]'; then
    log "$1: capture incomplete"; cp "$CAP/$1.pcap" "$TMP/$1.incomplete.$CAPN.pcap"
    OK=0
  fi
}
# ends_with NAME REGEX: sets OK=0 unless the capture's last packet line matches REGEX.
ends_with() {
  if ! tcpdump -r "$CAP/$1.pcap" -nn 2>/dev/null | tail -1 | grep -qE "$2"; then
    log "$1: capture incomplete (last packet does not match $2)"
    OK=0
  fi
}
SRV=
# server NS ADDR PORT MODE [options]  (tcp_server.py; waits until it listens)
server() {
  local ns=$1 port=$3 i
  shift
  ip netns exec $ns timeout 90 $PY "$PEERS/tcp_server.py" "$@" &
  SRV=$!; PIDS+=($!)
  for i in $(seq 100); do
    ip netns exec $ns ss -Hltn "sport = :$port" | grep -q . && return 0
    sleep 0.05
  done
  die "server on port $port did not listen"
}
server_wait() { wait "$SRV" || die "server failed"; }
client() { local ns=$1; shift; ip netns exec $ns timeout 90 $PY "$PEERS/tcp_client.py" "$@"; }

# ---------------------------------------------------------------- scenarios
scenario_hello() {
  log "hello_echo (+ nano, any_sll2, any_sll variants)"
  hello_once
  closed hello_echo; closed hello_echo_nano; closed any_sll2 4; closed any_sll 4
  # The seed articles' three-packet close: FIN/ACK, FIN/ACK (the server's ACK of the client's
  # FIN rides on its own FIN thanks to delayed ACK), ACK. Run again until the kernel did that.
  if ! tcpdump -r "$CAP/hello_echo.pcap" -nn 2>/dev/null | tail -3 | grep -o 'Flags \[[^]]*\]' |
      tr '\n' ' ' | grep -qx 'Flags \[F.\] Flags \[F.\] Flags \[.\] '; then
    log "hello_echo: no three-packet close"
    OK=0
  fi
}
hello_once() {
  cap_start hello_echo $B veth-b 262144 "tcp port 3001"
  cap_start hello_echo_nano $B veth-b 262144 "tcp port 3001" --time-stamp-precision=nano
  cap_start any_sll2 $R any 262144 "tcp port 3001"
  cap_start any_sll $R any 262144 "tcp port 3001" -y LINUX_SLL
  server $B $B4 3001 echo
  client $A $B4 3001 hello
  server_wait
  cap_stop
}

scenario_csum() {
  log "csum_offload: TX checksum offload on, captured on the sending side"
  offloads on
  cap_start csum_offload $A veth-a 262144 "tcp port 40001"
  server $B $B4 40001 echo
  client $A $B4 40001 hello
  server_wait
  cap_stop
  closed csum_offload
  offloads off
}

scenario_four_way() {
  log "four_way_close"
  cap_start four_way_close $B veth-b 262144 "tcp port 40002"
  server $B $B4 40002 echo --close-delay 1
  client $A $B4 40002 hello
  server_wait
  cap_stop
  closed four_way_close
}

scenario_refused() {
  log "refused"
  cap_start refused $B veth-b 262144 "tcp port 40003"
  client $A $B4 40003 refused
  cap_stop
  ends_with refused 'Flags \[R\.\]'
}

scenario_rst() {
  log "rst_abort"
  cap_start rst_abort $B veth-b 262144 "tcp port 40004"
  server $B $B4 40004 echo
  client $A $B4 40004 abort
  server_wait
  cap_stop
  ends_with rst_abort 'Flags \[R\.\]'
}

scenario_half_close() {
  log "half_close"
  cap_start half_close $B veth-b 262144 "tcp port 40005"
  server $B $B4 40005 halfclose
  client $A $B4 40005 halfclose
  server_wait
  cap_stop
  closed half_close
}

scenario_transfer() {
  log "transfer_5mb (snaplen 96)"
  cap_start transfer_5mb $B veth-b 96 "tcp port 40006"
  server $B $B4 40006 sink
  client $A $B4 40006 send --bytes 5000000
  server_wait
  cap_stop
  closed transfer_5mb
}

scenario_loss() {
  log "transfer_loss: 2% random drop of TCP in the router (nftables), captured at the sender"
  inr nft -f - <<'NFT'
table inet ust_loss {
  chain forward_drop {
    type filter hook forward priority 0; policy accept;
    meta l4proto tcp numgen random mod 50 0 drop
  }
}
NFT
  cap_start transfer_loss $A veth-a 96 "tcp port 40007"
  server $B $B4 40007 sink
  client $A $B4 40007 send --bytes 5000000
  server_wait
  cap_stop
  closed transfer_loss
  inr nft delete table inet ust_loss
}

scenario_ipv6() {
  log "ipv6"
  cap_start ipv6 $B veth-b 262144 "tcp port 40008"
  server $B $B6 40008 echo
  client $A $B6 40008 chat --msgs 3 --gap 0.1
  server_wait
  cap_stop
  closed ipv6
}

scenario_zero_window() {
  log "zero_window (server SO_RCVBUF 4096, does not read for 3 s)"
  cap_start zero_window $B veth-b 128 "tcp port 40009"
  server $B $B4 40009 slow --rcvbuf 4096 --stall 3
  client $A $B4 40009 send --bytes 100000
  server_wait
  cap_stop
  closed zero_window
}

scenario_keepalive() {
  log "keepalive (idle 1 s, interval 1 s, 3.5 s idle)"
  cap_start keepalive $B veth-b 262144 "tcp port 40010"
  server $B $B4 40010 echo
  client $A $B4 40010 keepalive --idle 3.5
  server_wait
  cap_stop
  closed keepalive
}

scenario_interleaved() {
  log "interleaved (4 concurrent flows)"
  cap_start interleaved $B veth-b 262144 "tcp port 40011"
  server $B $B4 40011 echo --conns 4
  local i pids=()
  for i in 1 2 3 4; do
    client $A $B4 40011 chat --msgs 4 --gap 0.15 --tag "c$i " & pids+=($!); PIDS+=($!)
    sleep 0.04
  done
  for i in "${pids[@]}"; do wait "$i" || die "client failed"; done
  server_wait
  cap_stop
  closed interleaved 8
}

scenario_misc() {
  log "icmp_arp_udp: ARP, NDP, ping v4/v6 (also fragmented), UDP echo, port unreachable"
  inr ip neigh flush dev veth-rb; inr ip -6 neigh flush dev veth-rb
  inb ip neigh flush dev veth-b; inb ip -6 neigh flush dev veth-b
  cap_start icmp_arp_udp $B veth-b 262144 "not ip6 multicast or icmp6"
  ip netns exec $B timeout 30 $PY "$PEERS/udp_peer.py" echo 0.0.0.0 40020 1 & local u4=$!; PIDS+=($!)
  ip netns exec $B timeout 30 $PY "$PEERS/udp_peer.py" echo :: 40021 1 & local u6=$!; PIDS+=($!)
  sleep 0.3
  ina ping -c 2 -i 0.2 -W 1 $B4 >/dev/null
  ina ping -c 1 -W 1 -s 3000 $B4 >/dev/null
  ina ping -6 -c 2 -i 0.2 -W 1 $B6 >/dev/null
  ina ping -6 -c 1 -W 1 -s 3000 $B6 >/dev/null
  ina $PY "$PEERS/udp_peer.py" send $B4 40020 "hello udp" >/dev/null
  ina $PY "$PEERS/udp_peer.py" send $B6 40021 "hello udp6" >/dev/null
  ina $PY "$PEERS/udp_peer.py" send $B4 40022 "nobody home" >/dev/null
  ina $PY "$PEERS/udp_peer.py" send $B6 40022 "nobody home6" >/dev/null
  wait $u4 $u6 || true
  cap_stop
  ends_with icmp_arp_udp 'unreachable'
}

# Derived captures: rewritten copies of hello_echo in other formats / link types.
derive() {
  log "derived: hello_echo.pcapng, raw_ip, vlan"
  rm -f "$CAP/hello_echo.pcapng"
  editcap -F pcapng "$CAP/hello_echo.pcap" "$CAP/hello_echo.pcapng"
  $PY - "$CAP" <<'PYEOF'
import struct, sys
cap = sys.argv[1]
raw = open(cap + "/hello_echo.pcap", "rb").read()
magic, vmaj, vmin, tz, sig, snap, lt = struct.unpack("<IHHiIII", raw[:24])
assert magic == 0xa1b2c3d4 and lt == 1
def records(b):
    off = 24
    while off < len(b):
        s, us, incl, orig = struct.unpack("<IIII", b[off:off+16])
        yield s, us, orig, b[off+16:off+16+incl]
        off += 16 + incl
def write(name, linktype, recs):
    with open(cap + "/" + name, "wb") as f:
        f.write(struct.pack("<IHHiIII", magic, vmaj, vmin, tz, sig, snap, linktype))
        for s, us, orig, data in recs:
            f.write(struct.pack("<IIII", s, us, len(data), orig) + data)
# LINKTYPE_RAW (101): the Ethernet header stripped.
write("raw_ip.pcap", 101, [(s, us, orig - 14, d[14:]) for s, us, orig, d in records(raw)])
# 802.1Q: a tag (PCP 0, VID 10) inserted after the MAC addresses (no 8021q module here).
write("vlan.pcap", 1, [(s, us, orig + 4, d[:12] + b"\x81\x00\x00\x0a" + d[12:])
                       for s, us, orig, d in records(raw)])
PYEOF
}

# ---------------------------------------------------------------- expected text
CASES=$HERE/cases.tsv
# expect CAPTURE_REL SUFFIX ARGS...   (capture path relative to tests/golden)
expect() {
  local rel=$1 suffix=$2; shift 2
  local base; base=$(basename "$rel"); base=${base%.*}
  case "$rel" in *.pcapng) base=$base.ng;; esac
  case "$rel" in malformed/*) base=malformed_$base;; esac
  local out=expected/$base.$suffix.txt rc=0
  # An empty network namespace: tcpdump prints the interface name of LINUX_SLL2 records via
  # if_indextoname() on the reading machine; there only index 1 (lo) resolves, the rest are "?".
  (cd "$HERE" && unshare -n env TZ=UTC tcpdump -r "$rel" "$@" >"$out" 2>"$TMP/stderr") || rc=$?
  if [ "$suffix" = nn ]; then
    case "$rel" in
      # Malformed files: all of stderr (the file-level errors come after the packet lines).
      malformed/*) cat "$TMP/stderr" > "$HERE/expected/$base.stderr.txt";;
      # Captures: the "reading from file ..., link-type ..., snapshot length N" line.
      *) head -1 "$TMP/stderr" > "$HERE/expected/$base.stderr.txt";;
    esac
  fi
  local q="" a
  for a in "$@"; do
    case "$a" in *[!A-Za-z0-9_.=-]*) q+="${q:+ }'$a'";; *) q+="${q:+ }$a";; esac
  done
  printf '%s\t%s\t%s\t%s\n' "$rel" "$q" "$out" "$rc" >> "$CASES"
}

FILTER_SYNFIN='tcp[tcpflags] & (tcp-syn|tcp-fin) != 0'
expect_basic() { expect "$1" nn -nn; expect "$1" nn_v -nn -v; expect "$1" nn_S -nn -S; }
expect_extra() {  # CAPTURE PORT
  local c=$1 port=$2
  expect "$c" n -n
  expect "$c" nn_e -nn -e
  expect "$c" nn_q -nn -q
  expect "$c" nn_t -nn -t
  expect "$c" nn_tt -nn -tt
  expect "$c" nn_ttt -nn -ttt
  expect "$c" nn_tttt -nn -tttt
  expect "$c" nn_ttttt -nn -ttttt
  expect "$c" nn_c5 -nn -c 5
  expect "$c" nn_vv -nn -vv
  if [ -n "${3:-}" ]; then expect "$c" nn_filter -nn "$3"; else expect "$c" nn_synfin -nn "$FILTER_SYNFIN"; fi
  expect "$c" nn_port -nn port "$port"
}

write_expected() {
  log "expected text (tcpdump -r, TZ=UTC)"
  rm -f "$EXP"/*.txt
  printf '#capture\targs\texpected_stdout\texpected_exit\n' > "$CASES"
  local f rel
  for f in "$CAP"/*.pcap "$CAP"/*.pcapng; do
    rel=captures/$(basename "$f")
    expect_basic "$rel"
  done
  expect_extra captures/hello_echo.pcap 3001
  expect_extra captures/any_sll2.pcap 3001
  expect_extra captures/zero_window.pcap 40009
  # transfer_loss: only the cheap extras (its full texts are ~1-2 MB each).
  expect captures/transfer_loss.pcap nn_c5 -nn -c 5
  expect captures/transfer_loss.pcap nn_synfin -nn "$FILTER_SYNFIN"
  expect_extra captures/icmp_arp_udp.pcap 40020 "icmp or arp"
  expect captures/vlan.pcap nn_e -nn -e
  expect captures/any_sll.pcap nn_e -nn -e
  expect captures/hello_echo.pcapng nn_e -nn -e
  if [ -d "$MAL" ] && ls "$MAL"/* >/dev/null 2>&1; then
    for f in "$MAL"/*; do
      rel=malformed/$(basename "$f")
      expect "$rel" nn -nn
      expect "$rel" nn_v -nn -v
    done
  fi
}

# ---------------------------------------------------------------- main
mkdir -p "$CAP" "$EXP" "$MAL"
if [ "${1:-}" != "--expected-only" ]; then
  rm -f "$CAP"/*.pcap "$CAP"/*.pcapng
  log "topology: $A ($A4) -- $R -- $B ($B4)"
  topology_up
  for s in ${SCENARIOS:-hello csum four_way refused rst half_close ipv6 keepalive interleaved zero_window transfer loss misc}; do
    for try in 1 2 3; do
      OK=1
      scenario_$s
      [ $OK = 1 ] && break
      [ $try = 3 ] && die "$s: no complete capture in 3 tries"
      log "$s: again (try $((try + 1)))"
    done
  done
  [ -n "${SCENARIOS:-}" ] || derive
  log "malformed captures"
  [ -f "$HERE/make_malformed.py" ] && $PY "$HERE/make_malformed.py" "$MAL"
fi
write_expected
log "check: every capture parses with tcpdump and tshark"
for f in "$CAP"/*; do
  tcpdump -r "$f" -nn >/dev/null 2>&1 || die "tcpdump cannot read $f"
  tshark -r "$f" >/dev/null 2>&1 || die "tshark cannot read $f"
done
log "done: $(ls "$CAP" | wc -l) captures, $(grep -vc '^#' "$CASES") cases"
