#!/usr/bin/python3
# usage: connect.py ADDRESS PORT SECONDS
# Prints "answer: <the first line the server sent>", "timeout" (nothing came
# back: a firewall dropped the connection), "refused" or "error: ...".
import socket
import sys

address, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
try:
    with socket.create_connection((address, port), timeout=seconds) as s:
        print("answer:", s.makefile().readline().strip())
except (socket.timeout, TimeoutError):
    print("timeout")
except ConnectionRefusedError:
    print("refused")
except OSError as error:
    print("error:", error)
