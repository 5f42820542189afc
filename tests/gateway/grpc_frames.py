#!/usr/bin/env python3
"""Writes hostile gRPC request bodies (length-prefixed messages) to a file,
for sending with `nghttp -d FILE` in tests/gateway/hostile_request_process_test.sh.

  grpc_frames.py gzip-bomb MIB OUT   a CreateVideoRequest whose prompt is MIB
                                     MiB of one repeated byte, gzip-compressed
                                     (flag 1; send with grpc-encoding: gzip)
  grpc_frames.py truncated OUT       a frame whose length prefix promises
                                     100 bytes, followed by 10
  grpc_frames.py message HEX OUT     one uncompressed frame holding HEX bytes

Streams the compression, so a 1 GiB bomb costs this script little memory.
"""
import struct
import sys
import zlib


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def frame(payload, compressed=False):
    return struct.pack(">BI", 1 if compressed else 0, len(payload)) + payload


def gzip_bomb(mib):
    size = mib << 20
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    parts = [z.compress(b"\x12" + varint(size))]  # field 2 (prompt), LEN
    chunk = b"a" * (1 << 20)
    for _ in range(mib):
        parts.append(z.compress(chunk))
    parts.append(z.flush())
    return frame(b"".join(parts), compressed=True)


def main(argv):
    kind = argv[1]
    if kind == "gzip-bomb":
        data, out = gzip_bomb(int(argv[2])), argv[3]
    elif kind == "truncated":
        data, out = struct.pack(">BI", 0, 100) + b"\x0a\x08cgt-1234", argv[2]
    elif kind == "message":
        data, out = frame(bytes.fromhex(argv[2])), argv[3]
    else:
        sys.exit("unknown kind " + kind)
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main(sys.argv)
