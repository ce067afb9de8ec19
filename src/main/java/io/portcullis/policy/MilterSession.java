package io.portcullis.policy;

import static io.portcullis.milter.MilterProtocol.*;

import io.portcullis.config.Phase;
import io.portcullis.config.PhaseCheckConfig;
import io.portcullis.milter.MilterConnection;
import io.portcullis.milter.MilterProtocol;
import io.portcullis.smtp.Mailbox;
import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP session's conversation with a milter (libmilter protocol 6), as Postfix holds it: the
 * connection is opened and options negotiated at the first phase the check runs in; each phase
 * sends its callback with the macros of that stage (those the milter asked for with SETSYMLIST,
 * or Postfix's default lists), and callbacks of stages the check is not named in are sent first
 * when it next runs, so the milter always sees connect, HELO, MAIL and RCPT in order.
 *
 * <p>Answers (Postfix's milter8.c): CONTINUE goes on; ACCEPT before MAIL ends the callbacks for
 * the connection, from MAIL on for the message; REJECT and TEMPFAIL refuse the command (at RCPT
 * that recipient only) with 550 5.7.1 or 451 4.7.1, SMFIR_REPLYCODE with the milter's own reply
 * when it is a valid one; DISCARD cannot be honoured before the queue here and is counted as a
 * warning (the message is delivered). At the end of the message, modification actions (add a
 * header, change the body or the envelope) and QUARANTINE are logged and not applied: that is the
 * content chain's milter mode.
 *
 * <p>Bounds against a hostile or dead milter: each callback, its PROGRESS packets included, must
 * be answered within the check's timeout (the connection is closed at the deadline); packets are at
 * most {@link #MAX_PACKET} octets; at most {@link #MAX_PACKETS} packets answer one callback. A
 * milter that fails is given up for the rest of the session: every later phase gets the
 * {@code on-failure} verdict.
 */
final class MilterSession implements PhaseSession.Attachment {
    private static final Logger log = LoggerFactory.getLogger(MilterSession.class);
    static final int MAX_PACKET = MAX_BODY_CHUNK + 1 + 1024;
    static final int MAX_PACKETS = 10_000;

    private static final List<String> CONNECT_MACROS = List.of("j", "{daemon_name}", "{daemon_addr}", "{if_addr}",
            "{if_name}", "v", "_", "{client_addr}", "{client_name}", "{client_port}");
    private static final List<String> HELO_MACROS = List.of("{tls_version}", "{cipher}");
    private static final List<String> MAIL_MACROS = List.of("{auth_authen}", "{mail_addr}");
    private static final List<String> RCPT_MACROS = List.of("{rcpt_addr}");
    private static final List<String> MESSAGE_MACROS = List.of("i");

    private final PhaseCheckConfig.Milter config;
    private MilterConnection milter;
    private MilterProtocol.Negotiated negotiated;
    private String failure;
    /** ACCEPT before MAIL: no more callbacks in this session. */
    private boolean connectionAccepted;
    /** ACCEPT (or DISCARD) from MAIL on: no more callbacks for this message. */
    private boolean messageAccepted;
    private boolean heloSent;
    /** MAIL was sent and the milter has not closed the message itself (by its final answer or at the end). */
    private boolean messageOpen;
    private boolean recipientsSent;
    /** The input of the callback in progress, for the macros. */
    private PhaseInput current;
    private Mailbox currentRecipient;

    MilterSession(PhaseCheckConfig.Milter config) {
        this.config = config;
    }

    /** A milter's answer to one callback: its code ('c', 'a', 'r', 't', 'd', 's', 'y') and, for 'y', the reply. */
    private record Answer(char code, Reply reply) {
        static final Answer CONTINUE = new Answer('c', null);

        boolean goesOn() {
            return code == 'c' || code == 's';
        }
    }

    Verdict at(PhaseInput input) {
        if (failure != null) {
            return onFailure();
        }
        if (connectionAccepted || (messageAccepted && input.phase().compareTo(Phase.MAIL) > 0)) {
            return Verdict.ACCEPT;
        }
        current = input;
        try {
            return converse(input);
        } catch (IOException | RuntimeException e) {
            return fail(e);
        } finally {
            if (milter != null) {
                milter.endDeadline();
            }
            current = null;
            currentRecipient = null;
        }
    }

    private Verdict converse(PhaseInput input) throws IOException {
        Phase phase = input.phase();
        if (milter == null) {
            Answer answer = connect(input);
            if (!answer.goesOn() || phase == Phase.CONNECT) {
                return sessionVerdict(answer);
            }
        } else if (phase == Phase.CONNECT) {
            return Verdict.ACCEPT;
        }
        if (phase == Phase.HELO || (!heloSent && input.helo() != null)) {
            Answer answer = helo(input.helo());
            if (!answer.goesOn() || phase == Phase.HELO) {
                return sessionVerdict(answer);
            }
        }
        if (phase == Phase.MAIL && messageOpen) {
            abort(); // the last MAIL went no further (refused after us): start over
        }
        if (phase == Phase.MAIL) {
            messageAccepted = false;
            recipientsSent = false;
        }
        if (!messageOpen) {
            Answer answer = mail(input.sender());
            if (!answer.goesOn() || phase == Phase.MAIL) {
                return messageVerdict(answer, true);
            }
        }
        if (!recipientsSent && phase != Phase.RCPT) {
            for (Mailbox earlier : input.recipients()) {
                Answer answer = recipient(earlier);
                if (!answer.goesOn() && answer.code() != 'r' && answer.code() != 't' && answer.code() != 'y') {
                    return messageVerdict(answer, true);
                } else if (!answer.goesOn()) {
                    log.info("{}: milter {} refused <{}> at {}, where a recipient can no longer be refused (name it at rcpt)",
                            input.listener(), config.name(), earlier, phase.label());
                }
            }
        }
        recipientsSent = true;
        if (phase == Phase.RCPT) {
            Answer answer = recipient(input.recipient());
            return answer.code() == 'r' || answer.code() == 't' || answer.code() == 'y'
                    ? refusal(answer) : messageVerdict(answer, true);
        }
        return message(input);
    }

    private Answer connect(PhaseInput input) throws IOException {
        milter = MilterConnection.open(config.endpoint(), config.timeout(), MAX_PACKET);
        milter.startDeadline(config.timeout());
        negotiated = MilterProtocol.negotiate(milter, ALL_ACTIONS, ALL_PROTOCOL);
        macros('C', CONNECT_MACROS);
        if (negotiated.has(SMFIP_NOCONNECT)) {
            return Answer.CONTINUE;
        }
        String address = input.client().address().getHostAddress();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(MilterConnection.strings("[" + address + "]"));
        data.write(address.contains(":") ? '6' : '4');
        int port = port();
        data.write(port >>> 8);
        data.write(port);
        data.writeBytes(MilterConnection.strings(address));
        return step('C', data.toByteArray(), SMFIP_NR_CONN);
    }

    private Answer helo(String helo) throws IOException {
        heloSent = true;
        macros('H', HELO_MACROS);
        return negotiated.has(SMFIP_NOHELO) ? Answer.CONTINUE
                : step('H', MilterConnection.strings(helo == null ? "" : helo), SMFIP_NR_HELO);
    }

    private Answer mail(Mailbox sender) throws IOException {
        messageOpen = true;
        macros('M', MAIL_MACROS);
        return negotiated.has(SMFIP_NOMAIL) ? Answer.CONTINUE
                : step('M', MilterConnection.strings("<" + (sender == null ? "" : sender) + ">"), SMFIP_NR_MAIL);
    }

    private Answer recipient(Mailbox recipient) throws IOException {
        currentRecipient = recipient;
        macros('R', RCPT_MACROS);
        return negotiated.has(SMFIP_NORCPT) ? Answer.CONTINUE
                : step('R', MilterConnection.strings("<" + recipient + ">"), SMFIP_NR_RCPT);
    }

    /** DATA, the header fields, the end of the header, the body and the end of the message. */
    private Verdict message(PhaseInput input) throws IOException {
        macros('T', MESSAGE_MACROS);
        if (!negotiated.has(SMFIP_NODATA)) {
            Answer answer = step('T', new byte[0], SMFIP_NR_DATA);
            if (!answer.goesOn()) {
                return messageVerdict(answer, false);
            }
        }
        if (input.message() == null) {
            throw new IOException("no message to send at the end of DATA");
        }
        try (MilterMessage message = new MilterMessage(input.message())) {
            boolean leadingSpace = negotiated.has(SMFIP_HDR_LEADSPC);
            for (MilterMessage.Field field = message.nextField(); field != null; field = message.nextField()) {
                if (negotiated.has(SMFIP_NOHDRS)) {
                    continue;
                }
                byte[] value = headerValue(field.raw(), field.colon(), leadingSpace);
                Answer answer = step('L', MilterConnection.strings(field.name(), value), SMFIP_NR_HDR);
                if (!answer.goesOn()) {
                    return messageVerdict(answer, false);
                }
            }
            macros('N', List.of());
            if (!negotiated.has(SMFIP_NOEOH)) {
                Answer answer = step('N', new byte[0], SMFIP_NR_EOH);
                if (!answer.goesOn()) {
                    return messageVerdict(answer, false);
                }
            }
            if (!negotiated.has(SMFIP_NOBODY)) {
                byte[] chunk = new byte[MAX_BODY_CHUNK];
                int n;
                while ((n = message.readBody(chunk)) > 0) {
                    Answer answer = step('B', Arrays.copyOf(chunk, n), SMFIP_NR_BODY);
                    if (answer.code() == 's') {
                        break; // SMFIP_SKIP: the milter has seen enough of the body
                    } else if (!answer.goesOn()) {
                        return messageVerdict(answer, false);
                    }
                }
            }
        }
        macros('E', MESSAGE_MACROS);
        milter.startDeadline(config.timeout());
        milter.send('E', new byte[0]);
        Answer answer = endOfMessage(input);
        messageOpen = false;
        return messageVerdict(answer, false);
    }

    /** The answer to the end of the message; modification actions and QUARANTINE are logged, not applied. */
    private Answer endOfMessage(PhaseInput input) throws IOException {
        int ignored = 0;
        for (int packets = 0; packets < MAX_PACKETS; packets++) {
            MilterConnection.Packet packet = milter.read();
            switch (packet.command()) {
                case 'p' -> {
                    // progress: still working, within the callback's deadline
                }
                case 'q' -> log.info("{}: milter {} asked to quarantine message {} ({}); not applied at the data phase",
                        input.listener(), config.name(), queueId(), printable(packet.string(0)));
                case 'h', 'i', 'm', 'b', 'e', '+', '2', '-' -> ignored++;
                default -> {
                    if (ignored > 0) {
                        log.info("{}: milter {} asked for {} message modifications of {}; not applied at the data phase"
                                + " (use the content chain's milter mode)", input.listener(), config.name(), ignored, queueId());
                    }
                    return answer(packet);
                }
            }
        }
        throw new IOException("milter sent more than " + MAX_PACKETS + " packets at the end of the message");
    }

    /** Sends a callback and, unless the milter said it will not answer it, waits for the answer. */
    private Answer step(char command, byte[] data, int noReply) throws IOException {
        milter.startDeadline(config.timeout());
        milter.send(command, data);
        if (negotiated.has(noReply)) {
            return Answer.CONTINUE;
        }
        for (int packets = 0; packets < MAX_PACKETS; packets++) {
            MilterConnection.Packet packet = milter.read();
            if (packet.command() != 'p') {
                return answer(packet);
            }
        }
        throw new IOException("milter sent more than " + MAX_PACKETS + " progress packets");
    }

    private static Answer answer(MilterConnection.Packet packet) throws IOException {
        return switch (packet.command()) {
            case 'c', 'a', 'r', 't', 'd', 's' -> new Answer(packet.command(), null);
            case 'y' -> {
                Reply reply = MilterProtocol.reply(packet.string(0));
                if (reply == null) {
                    throw new IOException("milter sent an invalid reply \"" + printable(packet.string(0)) + "\"");
                }
                yield new Answer('y', reply);
            }
            default -> throw new IOException("milter answered with " + describe(packet.command()));
        };
    }

    /** An answer at connect or HELO: ACCEPT there means the whole connection. */
    private Verdict sessionVerdict(Answer answer) {
        return switch (answer.code()) {
            case 'a' -> {
                connectionAccepted = true;
                yield Verdict.ACCEPT;
            }
            case 'd' -> {
                connectionAccepted = true;
                yield new Verdict.Warn("milter-discard");
            }
            case 'r', 't', 'y' -> refusal(answer);
            default -> Verdict.ACCEPT;
        };
    }

    /**
     * An answer from MAIL on: ACCEPT and DISCARD end the callbacks for this message; they and a
     * refusal end the message in the milter too (libmilter resets itself), so no SMFIC_ABORT follows.
     * A refused recipient leaves the message open.
     */
    private Verdict messageVerdict(Answer answer, boolean envelope) {
        switch (answer.code()) {
            case 'a' -> {
                messageAccepted = true;
                messageOpen = false;
                return Verdict.ACCEPT;
            }
            case 'd' -> {
                messageAccepted = true;
                messageOpen = false;
                log.info("milter {} asked to discard the message{}; not possible before the queue in the phase mode:"
                        + " delivered", config.name(), envelope ? "" : " " + queueId());
                return new Verdict.Warn("milter-discard");
            }
            case 'r', 't', 'y' -> {
                messageOpen = false;
                return refusal(answer);
            }
            default -> {
                return Verdict.ACCEPT;
            }
        }
    }

    private static Verdict refusal(Answer answer) {
        return switch (answer.code()) {
            case 'r' -> new Verdict.Reject(Replies.MILTER_REJECTED, "milter");
            case 't' -> new Verdict.Tempfail(Replies.MILTER_TEMPFAIL, "milter");
            default -> Verdict.reject(answer.reply(), "milter");
        };
    }

    private Verdict fail(Exception e) {
        failure = milter != null && milter.timedOut() ? "no answer within " + config.timeout().toSeconds() + "s"
                : e.toString();
        log.warn("milter {} failed ({}); {} for the rest of the session", config.name(), failure,
                config.failOpen() ? "accepting" : "tempfailing");
        closeQuietly();
        return onFailure();
    }

    private Verdict onFailure() {
        return config.failOpen() ? new Verdict.Skip("milter-unavailable")
                : new Verdict.Tempfail(Replies.MILTER_UNAVAILABLE, "milter-unavailable");
    }

    private void macros(char stage, List<String> defaults) throws IOException {
        milter.startDeadline(config.timeout());
        MilterProtocol.macros(milter, stage, negotiated, defaults, this::macro);
    }

    /** A macro's value from what the session knows now, or null. */
    private String macro(String name) {
        return MilterMacros.value(name, current, messageOpen, currentRecipient);
    }

    private String queueId() {
        PhaseInput input = current;
        return input == null || input.client().connection() == null ? null : input.client().connection().queueId();
    }

    private int port() {
        ClientFacts.Connection connection = current.client().connection();
        return connection == null ? 0 : connection.port();
    }

    private void abort() throws IOException {
        milter.startDeadline(config.timeout());
        milter.send('A', new byte[0]);
        milter.flush();
        messageOpen = false;
    }

    @Override
    public void transactionEnded() {
        if (milter != null && failure == null && messageOpen) {
            try {
                abort();
            } catch (IOException e) {
                fail(e);
            } finally {
                milter.endDeadline();
            }
        }
        messageOpen = false;
        messageAccepted = false;
        recipientsSent = false;
    }

    @Override
    public Verdict.Refusal unknownCommand(String line) {
        if (milter == null || failure != null || connectionAccepted || negotiated.has(SMFIP_NOUNKNOWN)) {
            return null;
        }
        try {
            Answer answer = step('U', MilterConnection.strings(line), SMFIP_NR_UNKN);
            return switch (answer.code()) {
                case 'r', 't', 'y' -> (Verdict.Refusal) refusal(answer);
                default -> null;
            };
        } catch (IOException | RuntimeException e) {
            fail(e);
            return null;
        } finally {
            if (milter != null) {
                milter.endDeadline();
            }
        }
    }

    @Override
    public void close() {
        if (milter == null) {
            return;
        }
        if (failure == null) {
            try {
                milter.startDeadline(config.timeout());
                milter.send('Q', new byte[0]);
                milter.flush();
            } catch (IOException e) {
                // the milter may have gone already; nothing is waiting for its answer
            }
        }
        closeQuietly();
    }

    private void closeQuietly() {
        if (milter == null) {
            return;
        }
        try {
            milter.close();
        } catch (IOException ignored) {
            // nothing more to say to it
        }
    }
}
