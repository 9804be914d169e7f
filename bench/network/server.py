"""Host side of the broker benchmark: on 127.0.0.1, 'c' -> close at once (connect latency), 'b<N>' -> send N
bytes then close (throughput)."""
import socket
import sys
import threading

CHUNK = b"\0" * (1 << 20)


def serve(conn):
    with conn:
        cmd = conn.recv(32)
        if cmd.startswith(b"b"):
            left = int(cmd[1:])
            while left > 0:
                n = conn.send(CHUNK[: min(left, len(CHUNK))])
                left -= n


def main():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    print(s.getsockname()[1], flush=True)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()
