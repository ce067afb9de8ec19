# A hostile milter for HostileMilterTest, speaking the wire protocol by hand (no libmilter, which
# would refuse to misbehave). It negotiates normally, then answers the first callback with:
#   huge      a packet header announcing 2 GB
#   flood     20000 SMFIR_PROGRESS packets, then CONTINUE
#   badreply  SMFIR_REPLYCODE "250 2.0.0 fine" (no refusal: a protocol error)
#   garbage   an unknown reply code 'Z'
# Usage: hostile_milter.py MODE PORT
import socket, struct, sys, threading

MODE, PORT = sys.argv[1], int(sys.argv[2])


def packet(command, data=b''):
    return struct.pack('>I', len(data) + 1) + command + data


def read_packet(conn):
    header = b''
    while len(header) < 4:
        chunk = conn.recv(4 - len(header))
        if not chunk:
            return None, None
        header += chunk
    length = struct.unpack('>I', header)[0]
    data = b''
    while len(data) < length:
        chunk = conn.recv(length - len(data))
        if not chunk:
            return None, None
        data += chunk
    return data[:1], data[1:]


def serve(conn):
    with conn:
        while True:
            command, data = read_packet(conn)
            if command is None:
                return
            if command == b'O':
                conn.sendall(packet(b'O', struct.pack('>III', 6, 0, 0)))
            elif command in (b'D', b'A'):
                continue
            elif command == b'Q':
                return
            elif MODE == 'huge':
                conn.sendall(struct.pack('>I', 0x7fffffff) + b'c')
            elif MODE == 'flood':
                conn.sendall(packet(b'p') * 20000 + packet(b'c'))
            elif MODE == 'badreply':
                conn.sendall(packet(b'y', b'250 2.0.0 fine\0'))
            else:
                conn.sendall(packet(b'Z'))


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', PORT))
server.listen(16)
while True:
    client, _ = server.accept()
    threading.Thread(target=serve, args=(client,), daemon=True).start()
