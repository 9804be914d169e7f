"""Client side, run bare and inside `contain run` (network.allow): prints JSON with the mean connect latency
(connect + close, microseconds) and the throughput of one bulk transfer (MiB/s)."""
import json
import socket
import sys
import time

port, connects, nbytes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

t0 = time.perf_counter()
for _ in range(connects):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"c")
    s.recv(1)
    s.close()
latency_us = (time.perf_counter() - t0) / connects * 1e6

s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"b%d" % nbytes)
buf = bytearray(1 << 20)
got = 0
t0 = time.perf_counter()
while True:
    n = s.recv_into(buf)
    if n == 0:
        break
    got += n
elapsed = time.perf_counter() - t0
print(json.dumps({"connect_us": round(latency_us, 1), "mib_per_s": round(got / elapsed / (1 << 20), 1), "bytes": got}))
