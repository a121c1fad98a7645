#!/usr/bin/env python3
"""A DNS server on 127.0.0.1 that answers every query at once with NXDOMAIN, so the attack run's
webhook URLs are refused as unresolvable (422) without a network and without waiting on
timeouts. Prints its port, then serves until killed.

    python3 tests/attack/nxdns.py
"""
import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
while True:
    query, peer = sock.recvfrom(1500)
    if len(query) < 12:
        continue
    # The query back as a response: QR, opcode and RD kept, RA set, RCODE 3 (NXDOMAIN), no
    # answers; the question section as asked (anything after it, such as EDNS, dropped).
    end = 12
    while end < len(query) and query[end] != 0:
        end += query[end] + 1
    end += 5
    header = query[:2] + bytes([0x80 | (query[2] & 0x79), 0x83]) + query[4:6] + b"\x00\x00" * 3
    sock.sendto(header + query[12:end], peer)
