#!/bin/bash
# A measurement, not a CTest test (it reads CPU time): the web face's
# listener out of descriptors. The gateway runs with `ulimit -n 300`, 400
# connections are opened to --http-listen (the excess waits in the listen
# backlog, so every accept fails with EMFILE), and the gateway's CPU over 2 s
# is printed. docs/RELIABILITY.md quotes it before and after the fix.
#
# usage: tests/gateway/http_emfile_cpu.sh GATEWAY_BIN SIM_BIN
set -u
GATEWAY=$(realpath "$1") SIMULATOR=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
"$SIMULATOR" --port 0 > sim2.out 2>/dev/null & SIMPID=$!
for _ in $(seq 500); do grep -q '^listening on ' sim2.out && break; sleep 0.01; done
SIM=$(grep -o 'http://[^ ]*' sim2.out)
(ulimit -n 300; TOKENHUB_API_KEY=th-sim-demo-key exec "$GATEWAY" --listen=127.0.0.1:0 --upstream=$SIM/api/v1 --store=none --fd-reserve=0 --self-check-interval=0 --http-listen=127.0.0.1:0 > gw2.out 2>gw2.err) & GWPID=$!
for _ in $(seq 500); do grep -q '^http listening on ' gw2.out && break; sleep 0.01; done
PORT=$(sed -n 's/^http listening on port //p' gw2.out)
[ -n "$PORT" ] || { cat gw2.err; exit 1; }
python3 - "$GWPID" "$PORT" <<'PY'
import socket, sys, time
pid, port = sys.argv[1], int(sys.argv[2])
socks = []
for i in range(400):
    try:
        s = socket.create_connection(("127.0.0.1", port)); socks.append(s)
    except OSError:
        break
def cpu():
    f = open(f"/proc/{pid}/stat").read().split(")")[1].split()
    return (int(f[11]) + int(f[12])) / 100.0
time.sleep(0.5)
a = cpu(); time.sleep(2); b = cpu()
print(f"held {len(socks)} connections; gateway CPU over 2 s at EMFILE: {b - a:.2f} s")
PY
kill $GWPID $SIMPID; wait 2>/dev/null
