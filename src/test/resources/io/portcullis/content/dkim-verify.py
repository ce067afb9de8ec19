# Verifies every DKIM-Signature of the message on stdin with dkimpy (Debian python3-dkim), an
# implementation no one here wrote, fetching keys from the DNS server on 127.0.0.1:PORT.
# Prints one line per signature: "INDEX ALGORITHM DOMAIN pass|fail".
import sys
import dkim
import dns.resolver

resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = ['127.0.0.1']
resolver.port = int(sys.argv[1])

def txt(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    answer = resolver.resolve(name, 'TXT', lifetime=timeout)
    return b''.join(b''.join(record.strings) for record in answer)

message = sys.stdin.buffer.read()
checker = dkim.DKIM(message)
count = sum(1 for line in message.split(b'\r\n\r\n', 1)[0].split(b'\r\n') if line.lower().startswith(b'dkim-signature:'))
for index in range(count):
    try:
        ok = checker.verify(idx=index, dnsfunc=txt)
    except dkim.ValidationError:
        ok = False
    print(index, checker.signature_fields.get(b'a', b'?').decode(), checker.domain.decode() if checker.domain else '?',
          'pass' if ok else 'fail')
