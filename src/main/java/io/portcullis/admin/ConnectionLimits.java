package io.portcullis.admin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one connection to the admin port may hold, beyond Jetty's own header size and idle timeout:
 * a place among {@code admin.max-connections}, a deadline for each request, and a body size.
 *
 * <p>A connection over the limit is answered 503 and closed at once, rather than left unaccepted:
 * in the kernel's accept queue it would wait behind thousands of others and their SYN retries,
 * while this way every abuser is turned away as it arrives and a monitoring client gets in as
 * soon as the connections holding the places are done or cut off.
 *
 * <p>Jetty's idle timeout starts again with every octet, so a client trickling its header one
 * octet every few seconds would keep its connection for ever. Here a request (line, header fields
 * and body) must have arrived whole within the request timeout, counted from the connection's
 * opening for its first request and from the first octet after the previous response for later
 * ones; a keep-alive connection that sends nothing is left to the idle timeout. A sweep every
 * quarter of the timeout (at most a second) looks at each open connection, at most
 * {@code admin.max-connections} of them, and closes the late ones.
 *
 * <p>The body is read and dropped (no route takes one) before the route runs, under the same
 * deadline; one larger than the limit, announced or counted, gets 413 and the connection closes.
 */
final class ConnectionLimits extends Handler.Wrapper implements Connection.Listener {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimits.class);
    private static final long IDLE = Long.MIN_VALUE;
    private static final String BUSY_BODY = "{\"error\":\"too many connections to the admin port\"}";
    private static final byte[] BUSY = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + BUSY_BODY.length() + "\r\nConnection: close\r\n\r\n" + BUSY_BODY)
            .getBytes(StandardCharsets.US_ASCII);

    private final int maxConnections;
    private final long timeoutNanos;
    private final long sweepMillis;
    private final int maxBodySize;
    private final Map<Connection, Reading> connections = new ConcurrentHashMap<>();
    private volatile Scheduler.Task sweep;

    ConnectionLimits(Handler routes, int maxConnections, Duration requestTimeout, int maxBodySize) {
        super(routes);
        this.maxConnections = maxConnections;
        this.timeoutNanos = requestTimeout.toNanos();
        this.sweepMillis = Math.clamp(requestTimeout.toMillis() / 4, 20, 1000);
        this.maxBodySize = maxBodySize;
    }

    /** The reading state of one connection; {@code handling} while a route has the request. */
    private static final class Reading {
        private final Connection connection;
        private volatile boolean handling;
        private volatile long bytesWhenIdle;
        private volatile long since;

        Reading(Connection connection, long openedAt) {
            this.connection = connection;
            this.since = openedAt;
        }

        void idle() {
            bytesWhenIdle = connection.getBytesIn();
            since = IDLE;
            handling = false;
        }
    }

    @Override
    public void onOpened(Connection connection) {
        if (connections.size() >= maxConnections) {
            EndPoint endPoint = connection.getEndPoint();
            endPoint.write(Callback.from(endPoint::close, failure -> endPoint.close()), ByteBuffer.wrap(BUSY));
            return;
        }
        connections.put(connection, new Reading(connection, System.nanoTime()));
    }

    @Override
    public void onClosed(Connection connection) {
        connections.remove(connection);
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        scheduleSweep();
    }

    @Override
    protected void doStop() throws Exception {
        Scheduler.Task task = sweep;
        if (task != null) {
            task.cancel();
        }
        super.doStop();
    }

    private void scheduleSweep() {
        if (isStarting() || isRunning()) {
            sweep = getServer().getScheduler().schedule(this::sweep, sweepMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            for (Reading reading : connections.values()) {
                if (reading.handling) {
                    continue;
                }
                long since = reading.since;
                if (since == IDLE) {
                    if (reading.connection.getBytesIn() > reading.bytesWhenIdle) {
                        reading.since = now;
                    }
                } else if (now - since > timeoutNanos) {
                    log.debug("admin: closing {}: no whole request within the request timeout",
                            reading.connection.getEndPoint().getRemoteSocketAddress());
                    reading.connection.getEndPoint().close();
                }
            }
        } finally {
            scheduleSweep();
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Reading reading = connections.get(request.getConnectionMetaData().getConnection());
        if (reading == null) { // over the limit: answered 503 when it opened, and closing
            callback.failed(new EofException("over admin.max-connections"));
            return true;
        }
        boolean tooLarge;
        try {
            tooLarge = request.getLength() > maxBodySize || !readBody(request);
        } catch (IOException e) {
            callback.failed(new EofException(e)); // closed by the sweep or the client: nothing to answer, nothing to log
            return true;
        }
        reading.handling = true;
        Request.addCompletionListener(request, failure -> reading.idle());
        if (tooLarge) {
            response.setStatus(413);
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, ByteBuffer.wrap(("{\"error\":\"a request body is at most " + maxBodySize + " octets\"}")
                    .getBytes(StandardCharsets.UTF_8)), callback);
            return true;
        }
        return super.handle(request, response, callback);
    }

    /** Reads and drops the body; false as soon as it is longer than the limit. */
    private boolean readBody(Request request) throws IOException {
        InputStream body = Content.Source.asInputStream(request);
        byte[] buffer = new byte[8192];
        long total = 0;
        for (int n; (n = body.read(buffer)) >= 0; ) {
            total += n;
            if (total > maxBodySize) {
                return false;
            }
        }
        return true;
    }
}
