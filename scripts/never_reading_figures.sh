#!/usr/bin/env bash
# usage: scripts/never_reading_figures.sh BIN_DIR [extra gateway flags...]
# Needs nghttp (nghttp2-client), buf (./dev setup) and IPv6 on loopback.
# Figures for docs/RELIABILITY.md "Clients that never read".
set -uo pipefail
BIN=$1; shift
BUF=${BUF:-$(cd "$(dirname "$0")/.." && pwd)/.tools/node_modules/.bin/buf}
W=$(mktemp -d); PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null; done; rm -rf $W' EXIT
waitfor() { for _ in $(seq 1000); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.01; done; echo "timeout $2"; exit 1; }
"$BIN/tokenhub-sim" --port 0 --seed 7 >$W/sim.out 2>$W/sim.log & PIDS+=($!)
waitfor $W/sim.out '^listening on '
SIM=$(sed -n 's/^listening on //p' $W/sim.out)
TOKENHUB_API_KEY=th-sim-demo-key "$BIN/seedance-gateway" --listen [::]:0 --upstream "$SIM/api/v1" \
  --max-streams 10 --shutdown-grace 30s "$@" >$W/gw.out 2>$W/gw.log & GW=$!; PIDS+=($GW)
waitfor $W/gw.out '^listening on port'
PORT=$(sed -n 's/^listening on port //p' $W/gw.out); URL=http://127.0.0.1:$PORT
CURL=("$BUF" curl --protocol grpc --http2-prior-knowledge)
"${CURL[@]}" -d '{"model":"doubao-seedance-2.0","prompt":"[sim:hold] a lighthouse"}' $URL/seedance.v1.VideoService/CreateVideo >$W/c.json
ID=$(sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' $W/c.json | head -1)
# Heartbeat spacing: one reading watcher, heartbeat_interval 1s, 5.5 s.
timeout 5.5 "${CURL[@]}" -d "{\"id\":\"$ID\",\"heartbeatInterval\":\"1s\"}" $URL/seedance.v1.VideoService/WatchVideo >$W/hb.out 2>&1
python3 - $W/hb.out <<'PY'
import sys,re,datetime
txt=open(sys.argv[1]).read()
ts=[]
for blk in txt.split('\n}\n'):
    if '"heartbeat"' in blk:
        m=re.search(r'"eventTime": "([^"]+)"',blk)
        whole,_,frac=m.group(1).rstrip('Z').partition('.')
        t=datetime.datetime.fromisoformat(whole)+datetime.timedelta(seconds=float('0.'+(frac or '0')))
        ts.append(t)
gaps=[round((b-a).total_seconds(),3) for a,b in zip(ts,ts[1:])]
print("heartbeats in 5.5 s:",len(ts),"gaps (s):",gaps)
PY
# 10 never-reading clients on one connection (stream window 0).
python3 -c "
import struct,sys
idb=b'$ID'; msg=b'\x0a'+bytes([len(idb)])+idb
sys.stdout.buffer.write(b'\x00'+struct.pack('>I',len(msg))+msg)" >$W/req.bin
nghttp -n -v -w 0 -m 10 -d $W/req.bin -H 'content-type: application/grpc' -H 'te: trailers' \
  $URL/seedance.v1.VideoService/WatchVideo >$W/ng.out 2>&1 & NG=$!; PIDS+=($NG)
for _ in $(seq 500); do [ "$(grep -c 'recv HEADERS frame' $W/ng.out)" -ge 10 ] && break; sleep 0.01; done
echo "nghttp streams answered with headers: $(grep -c 'recv HEADERS frame' $W/ng.out)"
sleep 1
# Another watcher from another address (::1): does it get in? 8 tries, each
# held 3 s (so 'after' includes the 3 s of the try that got in).
T0=$(date +%s.%N); GOT=no
for _ in $(seq 8); do
  timeout 3 "${CURL[@]}" -d "{\"id\":\"$ID\"}" "http://[::1]:$PORT/seedance.v1.VideoService/WatchVideo" >$W/other.out 2>&1
  grep -q VIDEO_STATUS_ $W/other.out && { GOT=yes; break; }
  sleep 0.5
done
echo "other watcher got in: $GOT after $(python3 -c "print(round($(date +%s.%N)-$T0,1))") s; last answer: $(grep -o 'already[^"]*' $W/other.out | head -1)"
echo "nghttp: $(grep -c 'grpc-status: 8' $W/ng.out) streams refused (grpc-status 8), $(grep -c 'recv RST_STREAM' $W/ng.out) reset by the gateway"
T0=$(date +%s.%N); kill -TERM $GW
for _ in $(seq 6000); do kill -0 $GW 2>/dev/null || break; sleep 0.01; done
T1=$(date +%s.%N)
echo "SIGTERM -> exit: $(python3 -c "print(round($T1-$T0,2))") s (shutdown grace 30 s)"
grep -c "WatchVideo" $W/gw.log | sed 's/^/call log lines: /'
