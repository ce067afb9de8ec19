# A test milter (Debian's python3-milter, libmilter underneath) for MilterPhaseCheckTest: it writes
# every callback it sees, with the macros it was given, to a file, one line per callback
# (connection id, callback, then name=value pairs, tab-separated), and answers by recipient:
#   bad@...        REJECT                      later@...     TEMPFAIL
#   custom@...     554 5.7.9 (setreply)        mismatch@...  451 with 5.7.1 (setreply), TEMPFAIL
#   hang@...       sleeps past any timeout     progress@...  sends PROGRESS for a minute
#   accept@...     ACCEPT (no more callbacks for the message)
# At the end of the message it asks to add a header (never applied in phase mode) and rejects a
# message with an "X-Test-Reject: yes" field. An unknown command starting with BADVERB is rejected.
# Usage: stage_recorder.py PORT LOGFILE
import sys, threading, time
import Milter

LOG = open(sys.argv[2], 'a')
LOCK = threading.Lock()


def clean(value):
    if value is None:
        return 'None'
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    return str(value).replace('\t', ' ').replace('\r', '\\r').replace('\n', '\\n')


class StageRecorder(Milter.Base):
    def __init__(self):
        self.id = Milter.uniqueID()
        self.reject_message = False

    def negotiate(self, opts):
        # As Milter.Base.negotiate, but pymilter 1.0.5's setsymlist hands libmilter bytes where its
        # C part wants str under Python 3 (TypeError, and Base.negotiate then gives up on the lists).
        self._actions, protocol, _, _ = opts
        for callback, stage in Milter.MACRO_CALLBACKS.items():
            names = getattr(getattr(self, callback), '_symlist', None)
            if names is not None:
                self._ctx.setsymlist(stage, ' '.join(names))
        opts[1] = self._protocol = protocol & ~self.protocol_mask()
        opts[2] = 0
        opts[3] = 0
        return Milter.CONTINUE

    def record(self, event, **values):
        line = '\t'.join([str(self.id), event] + ['%s=%s' % (k, clean(v)) for k, v in sorted(values.items())])
        with LOCK:
            LOG.write(line + '\n')
            LOG.flush()

    def macros(self, *names):
        return {name.strip('{}') or name: self.getsymval(name) for name in names}

    @Milter.symlist('j', '{client_addr}', '{client_port}', '_')
    def connect(self, hostname, family, hostaddr):
        self.record('connect', hostname=hostname, addr=hostaddr[0],
                    **self.macros('j', '{client_addr}', '{client_port}', '_', '{daemon_name}', '{if_addr}'))
        return Milter.CONTINUE

    def hello(self, name):
        self.record('helo', name=name, **self.macros('{tls_version}', '{cipher}'))
        return Milter.CONTINUE

    def envfrom(self, sender, *parameters):
        self.reject_message = False
        self.record('mail', sender=sender, **self.macros('{mail_addr}', '{auth_authen}'))
        return Milter.CONTINUE

    @Milter.symlist('{rcpt_addr}', '{if_addr}')
    def envrcpt(self, recipient, *parameters):
        self.record('rcpt', recipient=recipient, **self.macros('{rcpt_addr}', '{if_addr}'))
        local = recipient.strip('<>').split('@')[0]
        if local == 'bad':
            return Milter.REJECT
        if local == 'later':
            return Milter.TEMPFAIL
        if local == 'custom':
            self.setreply('554', '5.7.9', 'Recipient refused by the test milter')
            return Milter.REJECT
        if local == 'mismatch':
            self.setreply('451', '5.7.1', 'Try this one later')
            return Milter.TEMPFAIL
        if local == 'accept':
            return Milter.ACCEPT
        if local == 'hang':
            time.sleep(60)
        if local == 'progress':
            for _ in range(120):
                self.progress()
                time.sleep(0.5)
        return Milter.CONTINUE

    def data(self):
        self.record('data', **self.macros('i'))
        return Milter.CONTINUE

    def header(self, name, value):
        self.record('header', name=name, value=value)
        if name.lower() == 'x-test-reject' and value.strip() == 'yes':
            self.reject_message = True
        return Milter.CONTINUE

    def eoh(self):
        self.record('eoh')
        return Milter.CONTINUE

    def body(self, chunk):
        self.record('body', size=len(chunk))
        return Milter.CONTINUE

    def eom(self):
        self.record('eom', **self.macros('i'))
        self.addheader('X-Phase-Milter', 'seen')
        return Milter.REJECT if self.reject_message else Milter.CONTINUE

    def abort(self):
        self.record('abort')
        return Milter.CONTINUE

    def unknown(self, command):
        self.record('unknown', command=command)
        return Milter.REJECT if clean(command).startswith('BADVERB') else Milter.CONTINUE

    def close(self):
        self.record('close')
        return Milter.CONTINUE


Milter.factory = StageRecorder
Milter.set_flags(Milter.ADDHDRS | Milter.SETSYMLIST)
Milter.runmilter('portcullis-stage-recorder', 'inet:%s@127.0.0.1' % sys.argv[1], 600)
