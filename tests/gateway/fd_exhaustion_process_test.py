#!/usr/bin/python3
"""seedance-gateway as a process with a low descriptor limit (RLIMIT_NOFILE
set before exec), pushed out of descriptors by raw TCP connections that
never speak HTTP/2 (each costs the gateway one descriptor until it closes).

1. Pressure below the limit: readiness ("seedance.v1.VideoService") turns
   NOT_SERVING while liveness ("") stays SERVING, and new watches and creates
   on an already open connection get RESOURCE_EXHAUSTED. Once the
   connections close, readiness is SERVING again and a NEW connection gets
   answers.
2. Past the limit (accept4 fails with EMFILE): once the connections close,
   either a NEW connection gets answers, or, when the listener is dead for
   good (gRPC 1.51: see docs/RELIABILITY.md), the gateway's self-check
   notices, logs why and exits 3 so its supervisor restarts it.

usage: fd_exhaustion_process_test.py BIN_DIR   (exit 77 = skipped)
No fixed sleeps: every wait polls a condition against a deadline.
"""
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

try:
    import grpc
except ImportError:
    print("python3-grpcio not installed: skipped")
    sys.exit(77)

LIMIT = 96      # the gateway's RLIMIT_NOFILE (soft = hard)
RESERVE = 24    # --fd-reserve
READINESS = "seedance.v1.VideoService"
SERVING, NOT_SERVING = 1, 2
TASK_ID = "cgt-0123456789abcdef"


def fail(message, log_path=None):
    print("FAIL: " + message, file=sys.stderr)
    if log_path and os.path.exists(log_path):
        print("--- gateway log (tail)", file=sys.stderr)
        with open(log_path) as f:
            sys.stderr.write("".join(f.readlines()[-30:]))
    sys.exit(1)


def wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def string_field(number, value):
    data = value.encode()
    return bytes([number << 3 | 2, len(data)]) + data


def health(channel, service, timeout=2.0):
    """The serving status (1, 2, ...) or the gRPC error code."""
    check = channel.unary_unary("/grpc.health.v1.Health/Check",
                                request_serializer=lambda x: x,
                                response_deserializer=lambda x: x)
    try:
        reply = check(string_field(1, service) if service else b"", timeout=timeout)
    except grpc.RpcError as e:
        return e.code()
    return reply[1] if len(reply) >= 2 else 0  # field 1 varint: b"\x08" + status


def create(channel, validate_only):
    """The status code of a CreateVideo call (hand-encoded request)."""
    request = string_field(1, "doubao-seedance-2.0") + string_field(2, "a heron")
    if validate_only:
        request += b"\x88\x01\x01"  # field 17 (validate_only) = true
    call = channel.unary_unary("/seedance.v1.VideoService/CreateVideo",
                               request_serializer=lambda x: x,
                               response_deserializer=lambda x: x)
    try:
        call(request, timeout=5)
        return grpc.StatusCode.OK, ""
    except grpc.RpcError as e:
        return e.code(), e.details()


def watch(channel):
    """The status code ending a WatchVideo call."""
    call = channel.unary_stream("/seedance.v1.VideoService/WatchVideo",
                                request_serializer=lambda x: x,
                                response_deserializer=lambda x: x)
    try:
        for _ in call(string_field(1, TASK_ID), timeout=5):
            return grpc.StatusCode.OK, "got a message"
        return grpc.StatusCode.OK, ""
    except grpc.RpcError as e:
        return e.code(), e.details()


def new_channel(port):
    # Its own subchannel: otherwise grpc shares an open connection to the
    # same target and proves nothing about the listener.
    return grpc.insecure_channel(f"127.0.0.1:{port}",
                                 options=[("grpc.use_local_subchannel_pool", 1)])


def main():
    bin_dir = sys.argv[1]
    work = tempfile.mkdtemp()
    log_path = os.path.join(work, "gw.log")

    def limit_descriptors():
        resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))

    with open(log_path, "w") as log:
        gw = subprocess.Popen(
            [os.path.join(bin_dir, "seedance-gateway"), "--listen", "127.0.0.1:0",
             "--upstream", "http://127.0.0.1:1/api/v1",
             "--fd-reserve", str(RESERVE), "--self-check-interval", "200ms",
             "--shutdown-grace", "1s",
             "--store", "sqlite:" + os.path.join(work, "tasks.db")],
            stdout=subprocess.PIPE, stderr=log, text=True,
            env=dict(os.environ, TOKENHUB_API_KEY="th-fd-test-key"),
            preexec_fn=limit_descriptors)
    socks = []
    try:
        line = gw.stdout.readline()
        if not line.startswith("listening on port "):
            fail(f"gateway did not start: {line!r}", log_path)
        port = int(line.split()[-1])

        def open_fds():
            try:
                return len(os.listdir(f"/proc/{gw.pid}/fd"))
            except OSError:
                return -1

        def connect(count):
            for _ in range(count):
                socks.append(socket.create_connection(("127.0.0.1", port)))

        def release():
            for s in socks:
                s.close()
            socks.clear()

        existing = new_channel(port)  # opened before any pressure
        if health(existing, READINESS) != SERVING or health(existing, "") != SERVING:
            fail("readiness and liveness should both start SERVING", log_path)
        baseline = open_fds()

        # --- 1. Pressure, short of the limit.
        target = LIMIT - RESERVE + 4  # 20 free: below the reserve of 24
        connect(target - baseline)
        if not wait_until(lambda: open_fds() >= target):
            fail(f"gateway holds {open_fds()} descriptors, wanted {target}", log_path)
        started = time.monotonic()
        if not wait_until(lambda: health(existing, READINESS) == NOT_SERVING):
            fail("readiness stayed SERVING under descriptor pressure", log_path)
        flipped = time.monotonic() - started
        if health(existing, "") != SERVING:
            fail("liveness must stay SERVING under descriptor pressure", log_path)
        code, details = create(existing, validate_only=False)
        if code != grpc.StatusCode.RESOURCE_EXHAUSTED or "file descriptors" not in details:
            fail(f"create under pressure: {code} {details!r}", log_path)
        code, details = watch(existing)
        if code != grpc.StatusCode.RESOURCE_EXHAUSTED or "file descriptors" not in details:
            fail(f"watch under pressure: {code} {details!r}", log_path)

        release()
        started = time.monotonic()
        if not wait_until(lambda: health(existing, READINESS) == SERVING):
            fail("readiness did not recover after the connections closed", log_path)
        recovered = time.monotonic() - started
        fresh = new_channel(port)
        if health(fresh, "") != SERVING:
            fail("a new connection got no answer after the pressure ended", log_path)
        code, details = create(fresh, validate_only=True)
        if code != grpc.StatusCode.OK:
            fail(f"price check on a new connection: {code} {details!r}", log_path)
        fresh.close()
        print(f"pressure: readiness NOT_SERVING {flipped:.2f} s after the "
              f"descriptors ran low, SERVING {recovered:.2f} s after release; "
              f"a new connection answered")

        # --- 2. Past the limit: accept4 fails with EMFILE.
        connect(LIMIT + 10)
        wait_until(lambda: "Too many open files" in open(log_path).read(), 10)
        emfile = "Too many open files" in open(log_path).read()
        release()

        outcome = None

        def answered_or_exited():
            nonlocal outcome
            if gw.poll() is not None:
                outcome = f"exited {gw.returncode}"
                return True
            channel = new_channel(port)
            answered = health(channel, "", timeout=1.0) == SERVING
            channel.close()
            if answered:
                outcome = "answered"
            return answered

        if not wait_until(answered_or_exited, 60):
            fail("after EMFILE, new connections get no answer and the gateway "
                 "still runs (the self-check should have restarted it)", log_path)
        if outcome.startswith("exited"):
            with open(log_path) as f:
                text = f.read()
            if gw.returncode != 3:
                fail(f"gateway {outcome}, want exit 3", log_path)
            if "listener self-check failed" not in text:
                fail("gateway exited without logging why", log_path)
        print(f"EMFILE reached: {emfile}; afterwards the gateway {outcome}")
        print("PASS")
    finally:
        for s in socks:
            s.close()
        if gw.poll() is None:
            gw.kill()
            gw.wait()
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
