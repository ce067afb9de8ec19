package io.portcullis.session;

import io.portcullis.auth.LdapDirectory;
import io.portcullis.config.Directory;
import io.portcullis.config.ListenerPolicy;
import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;
import io.portcullis.smtp.SmtpInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AUTH command (RFC 4954) with the PLAIN (RFC 4616) and LOGIN mechanisms. Unknown user and
 * wrong password look the same (535 5.7.8, after the same bcrypt work and delay); failures feed
 * the shared {@link io.portcullis.auth.AuthThrottle}, which refuses a guessing source (454 4.7.0)
 * and slows down attempts at a user under attack, but never refuses a clean source; a session that
 * fails too often is closed.
 * Neither the payload nor the password is ever logged; the password is wiped after the check.
 */
final class AuthExchange {
    private static final Logger log = LoggerFactory.getLogger(AuthExchange.class);
    /** RFC 4954 §4: a client response line may be up to 12288 octets. */
    private static final int MAX_RESPONSE = 12288;
    private static final int MAX_FAILURES_PER_SESSION = 3;

    private final SmtpSession session;
    private int failures;
    /** The mechanism of the exchange in progress, for the mail log. */
    private String mechanism;

    AuthExchange(SmtpSession session) {
        this.session = session;
    }

    /** Is AUTH offered right now (listener has it, and TLS is up where TLS is required)? */
    boolean isOffered() {
        ListenerPolicy.AuthPolicy auth = session.context.listener().policy().auth();
        return auth != null && (!auth.requireTls() || session.client.isTls());
    }

    String ehloLine() {
        return "AUTH " + String.join(" ", session.context.listener().policy().auth().mechanisms());
    }

    void handle(String argument) throws IOException {
        ListenerPolicy.AuthPolicy auth = session.context.listener().policy().auth();
        if (auth == null) {
            session.error(Replies.AUTH_NOT_AVAILABLE);
            return;
        }
        if (session.client.user != null) {
            session.error(Replies.ALREADY_AUTHENTICATED);
            return;
        }
        if (auth.requireTls() && !session.client.isTls()) {
            session.error(Replies.AUTH_NEEDS_TLS);
            return;
        }
        String[] words = argument.split(" ", -1);
        String mechanism = words[0].toUpperCase(Locale.ROOT);
        if (words.length > 2 || !auth.mechanisms().contains(mechanism)) {
            session.error(Replies.AUTH_MECHANISM_UNKNOWN);
            return;
        }
        if (session.context.throttle().isLocked(session.client.remote.getAddress(), null)) {
            session.send(Replies.AUTH_TEMPORARILY_LOCKED);
            return;
        }
        String initial = words.length == 2 ? words[1] : null;
        this.mechanism = mechanism;
        Credentials credentials = mechanism.equals("PLAIN") ? plain(initial) : login(initial);
        if (credentials == null) {
            return; // the exchange already replied (cancelled, bad base64, overlong)
        }
        try {
            verify(credentials);
        } finally {
            Arrays.fill(credentials.password, '\0');
        }
    }

    private record Credentials(String authorizationId, String user, char[] password) {
    }

    /** PLAIN: base64("authzid \0 authcid \0 password"), given at once or after an empty 334. */
    private Credentials plain(String initial) throws IOException {
        byte[] payload = initial != null ? decode(initial.equals("=") ? "" : initial) : challenge("");
        if (payload == null) {
            return null;
        }
        int first = indexOf(payload, 0);
        int second = first < 0 ? -1 : indexOf(payload, first + 1);
        if (second < 0) {
            failSyntax();
            return null;
        }
        String authorizationId = new String(payload, 0, first, StandardCharsets.UTF_8);
        String user = new String(payload, first + 1, second - first - 1, StandardCharsets.UTF_8);
        char[] password = utf8(payload, second + 1, payload.length - second - 1);
        Arrays.fill(payload, (byte) 0);
        if (password == null) {
            failSyntax();
            return null;
        }
        return new Credentials(authorizationId, user, password);
    }

    /** LOGIN: the user name, then the password, each answering a base64 prompt. */
    private Credentials login(String initial) throws IOException {
        byte[] user = initial != null ? decode(initial) : challenge("VXNlcm5hbWU6");
        if (user == null) {
            return null;
        }
        byte[] password = challenge("UGFzc3dvcmQ6");
        if (password == null) {
            return null;
        }
        char[] chars = utf8(password, 0, password.length);
        Arrays.fill(password, (byte) 0);
        if (chars == null) {
            failSyntax();
            return null;
        }
        return new Credentials("", new String(user, StandardCharsets.UTF_8), chars);
    }

    /** Sends "334 challenge" and reads the client's line; null after replying to "*", bad base64 or an overlong line. */
    private byte[] challenge(String challenge) throws IOException {
        session.send(new Reply(334, null, challenge));
        session.flush();
        session.input.startDeadline(session.limits.commandTimeout().toMillis());
        SmtpInput.Line line = session.input.readLine(MAX_RESPONSE);
        switch (line.status()) {
            case LINE -> {
                if (line.text().equals("*")) {
                    session.error(Replies.AUTH_CANCELLED);
                    return null;
                }
                return decode(line.text());
            }
            case TOO_LONG -> {
                session.error(Replies.AUTH_LINE_TOO_LONG);
                return null;
            }
            case BARE_LINE_END -> {
                session.replyAndClose(Replies.BARE_LINE_END_IN_COMMAND);
                return null;
            }
            case NUL -> {
                session.replyAndClose(Replies.NUL_IN_COMMAND);
                return null;
            }
            default -> {
                session.error(Replies.AUTH_BAD_BASE64);
                return null;
            }
        }
    }

    private byte[] decode(String base64) throws IOException {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            session.error(Replies.AUTH_BAD_BASE64);
            return null;
        }
    }

    private void verify(Credentials credentials) throws IOException {
        ClientConnection client = session.client;
        if (session.context.throttle().isLocked(client.remote.getAddress(), credentials.user)) {
            session.send(Replies.AUTH_TEMPORARILY_LOCKED);
            return;
        }
        Duration waited = session.context.throttle().delayBeforeCheck(credentials.user); // a user under attack: all wait
        pause(waited);
        Optional<Directory.User> user;
        try {
            user = session.context.users().authenticate(credentials.user, credentials.password);
        } catch (LdapDirectory.DirectoryUnavailableException e) {
            session.send(Replies.AUTH_TEMPORARILY_LOCKED);
            return;
        }
        boolean impersonating = !credentials.authorizationId.isEmpty()
                && !credentials.authorizationId.equalsIgnoreCase(credentials.user);
        if (user.isPresent() && !impersonating) {
            session.context.throttle().succeeded(client.remote.getAddress(), credentials.user);
            client.user = user.get();
            session.context.telemetry().authenticated(session.context.listener().name(), session.context.listener().flow(), true);
            log.info("{}: {} authenticated as {}", session.context.listener().name(), client.address(), user.get().name());
            session.send(Replies.AUTH_SUCCEEDED);
            return;
        }
        // a failure waits its own delay in all, counting the wait before the check
        Duration delay = session.context.throttle().failed(client.remote.getAddress(), credentials.user).minus(waited);
        log.info("{}: authentication failed for user {} from {}", session.context.listener().name(),
                printable(credentials.user), client.address());
        session.context.telemetry().authenticationFailed(session.context.listener().name(), client.address(),
                credentials.user, mechanism);
        failed(delay);
    }

    private void failSyntax() throws IOException {
        session.context.telemetry().authenticationFailed(session.context.listener().name(), session.client.address(), null,
                mechanism);
        Duration delay = session.context.throttle().failed(session.client.remote.getAddress(), null);
        failed(delay);
    }

    private void failed(Duration delay) throws IOException {
        session.context.telemetry().authenticated(session.context.listener().name(), session.context.listener().flow(), false);
        pause(delay);
        if (++failures >= MAX_FAILURES_PER_SESSION) {
            session.countRejection(Replies.AUTH_FAILED, "auth");
            session.send(Replies.AUTH_FAILED);
            session.replyAndClose(Replies.TOO_MANY_AUTH_FAILURES);
            return;
        }
        session.reject(Replies.AUTH_FAILED, "auth");
    }

    private static void pause(Duration delay) {
        if (delay.isNegative() || delay.isZero()) {
            return;
        }
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static char[] utf8(byte[] bytes, int offset, int length) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, offset, length));
            char[] result = new char[chars.remaining()];
            chars.get(result);
            Arrays.fill(chars.array(), '\0');
            return result;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** A user name as the client typed it, safe for a log line. */
    private static String printable(String text) {
        String cleaned = text.replaceAll("[^\\x21-\\x7e]", "?");
        return cleaned.length() > 64 ? cleaned.substring(0, 64) + "..." : cleaned;
    }
}
