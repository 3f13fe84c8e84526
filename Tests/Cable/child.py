#!/usr/bin/python3
# The gamelink binding's child in the cable VM test (Tests/Cable/guest.sh).
# usage: child.py RECORD SERIAL INTERFACE
#
# It appends one JSON line to RECORD when it starts (its argv, pid and the
# socket-activation variables) and one when it gets SIGTERM, and answers
# every connection on the socket hotplugd passes it (fd 3, [listen]) with a
# line naming the cable's serial and interface, so the far end of the cable
# can tell that it reached this child through this interface.
import json
import os
import signal
import socket
import sys

record, serial, interface = sys.argv[1:4]


def note(**fields):
    fields["pid"] = os.getpid()
    with open(record, "a") as out:
        out.write(json.dumps(fields) + "\n")


def stop(signum, frame):
    note(event="stop", signal=signal.Signals(signum).name)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
note(event="start", argv=sys.argv[1:], listen_fds=os.environ.get("LISTEN_FDS"),
     listen_pid=os.environ.get("LISTEN_PID"), interface_env=os.environ.get("INTERFACE"))

listener = socket.socket(fileno=3)
while True:
    connection, _ = listener.accept()
    with connection:
        connection.sendall(f"gamelink serial={serial} interface={interface}\n".encode())
