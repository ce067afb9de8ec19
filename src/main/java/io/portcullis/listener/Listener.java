package io.portcullis.listener;

import io.portcullis.config.Cidr;
import io.portcullis.config.ClientSource;
import io.portcullis.config.ListenerConfig;
import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;
import io.portcullis.session.SessionContext;
import io.portcullis.session.SmtpSession;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP virtual server: its server sockets (one per bind address), an accept loop per socket,
 * and a session on a new virtual thread per connection. Connection limits are checked before a
 * session starts; a client over a limit hears 421 and is closed.
 *
 * <p>Lifecycle: {@link #start()} binds every address or fails as a whole; {@link #close()} stops
 * accepting and closes the connections in progress.
 */
public final class Listener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Listener.class);

    private volatile SessionContext context;
    private final List<ServerSocket> serverSockets = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> connectionsPerAddress = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** The sessions running, by their connection: a graceful stop tells each of them 421 at its deadline. */
    private final ConcurrentHashMap<Socket, SmtpSession> sessions = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** Drained: the server sockets are closed until {@link #resume()} binds these addresses again. */
    private volatile List<InetSocketAddress> pausedAt;

    public Listener(SessionContext context) {
        this.context = context;
    }

    /**
     * New connections get the new context (policy, limits, TLS); sessions in progress keep the one
     * they started with. The bind addresses must be the same.
     */
    public void update(SessionContext newContext) {
        this.context = newContext;
    }

    public ListenerConfig config() {
        return context.listener();
    }

    public void start() throws IOException {
        try {
            bindAndAccept(context.listener().bind());
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** Binds every address or none (those bound are closed again), then starts an accept loop per socket. */
    private void bindAndAccept(List<InetSocketAddress> addresses) throws IOException {
        ListenerConfig config = context.listener();
        try {
            for (InetSocketAddress address : addresses) {
                ServerSocket server = new ServerSocket();
                server.setReuseAddress(true);
                try {
                    server.bind(address, 1024);
                } catch (IOException e) {
                    server.close();
                    throw new IOException("listener " + config.name() + ": cannot bind " + address + ": " + e.getMessage(), e);
                }
                serverSockets.add(server);
            }
        } catch (IOException e) {
            for (ServerSocket server : serverSockets) {
                server.close();
            }
            serverSockets.clear();
            throw e;
        }
        for (ServerSocket server : serverSockets) {
            Thread.ofVirtual().name("accept-" + config.name()).start(() -> acceptLoop(server));
            log.info("listener {} (flow {}) on {}{}", config.name(), config.flow(), server.getLocalSocketAddress(),
                    context.tls() != null ? " with STARTTLS" : "");
        }
    }

    /** The addresses actually bound (port 0 in the config becomes the port the system chose); while paused, those it will bind again. */
    public List<InetSocketAddress> boundAddresses() {
        List<InetSocketAddress> paused = pausedAt;
        return paused != null ? paused : serverSockets.stream().map(s -> (InetSocketAddress) s.getLocalSocketAddress()).toList();
    }

    /**
     * {@code portcullis drain}: closes the server sockets, so new connections are refused by the
     * kernel (a load balancer sends them to another node at once, a client tries its next MX);
     * sessions in progress go on. Nothing happens if already paused or closed.
     */
    public synchronized void pause() {
        if (closed || pausedAt != null) {
            return;
        }
        pausedAt = boundAddresses();
        for (ServerSocket server : serverSockets) {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        serverSockets.clear();
        log.info("listener {}: paused (drain), no longer accepting on {}", name(), pausedAt);
    }

    /** Binds the addresses {@link #pause()} left and accepts again. */
    public synchronized void resume() throws IOException {
        List<InetSocketAddress> addresses = pausedAt;
        if (closed || addresses == null) {
            return;
        }
        bindAndAccept(addresses);
        pausedAt = null;
    }

    public boolean isPaused() {
        return pausedAt != null;
    }

    public String name() {
        return context.listener().name();
    }

    /**
     * Accepts until the listener closes. A failed accept (typically EMFILE: out of file
     * descriptors) is not retried at once, which would spin a core and flood the log while nothing
     * can change: the loop sleeps, doubling from 10 ms up to 1 s while accepts keep failing, counts
     * each failure ({@code portcullis_accept_errors_total}) and logs at most one line per
     * {@link AcceptBackoff#LOG_INTERVAL}. The first accept that works resets the back-off.
     */
    private void acceptLoop(ServerSocket server) {
        AcceptBackoff backoff = new AcceptBackoff();
        while (!closed && !server.isClosed()) {
            ListenerConfig config = context.listener();
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (closed || server.isClosed()) {
                    return;
                }
                context.telemetry().acceptFailed(config.name(), config.flow());
                String summary = backoff.failed();
                if (summary != null) {
                    log.error("listener {}: accept failed: {}{}", config.name(), e.toString(), summary);
                }
                try {
                    Thread.sleep(backoff.delay());
                } catch (InterruptedException interrupted) {
                    return;
                }
                continue;
            }
            backoff.succeeded();
            Thread.ofVirtual().name("smtp-" + config.name()).start(() -> serve(socket));
        }
    }

    /**
     * The total limit counts TCP connections; the per-IP limit counts the real client, so on a
     * listener behind a load balancer the PROXY header is read first (from a trusted proxy only,
     * within {@code proxy-header-timeout}) and the client it names is the one counted, checked and
     * recorded from then on.
     */
    private void serve(Socket socket) {
        SessionContext context = this.context;
        ListenerConfig config = context.listener();
        int total = connections.incrementAndGet();
        InetAddress counted = null;
        open.add(socket);
        context.telemetry().connectionOpened(config.name(), config.flow());
        try {
            if (total > config.limits().maxConnections()) {
                refuse(socket, socket.getInetAddress(), Replies.TOO_MANY_CONNECTIONS, "max-connections");
                return;
            }
            InetSocketAddress client = realClient(socket, context);
            if (client == null) {
                return;
            }
            counted = ClientSource.of(client.getAddress());
            int perAddress = connectionsPerAddress.merge(counted, 1, Integer::sum);
            if (perAddress > config.limits().maxConnectionsPerIp()) {
                refuse(socket, client.getAddress(), Replies.TOO_MANY_CONNECTIONS_FROM_ADDRESS, "max-connections-per-ip");
            } else {
                context.telemetry().sessionStarted(config.name(), client.getAddress().getHostAddress());
                SmtpSession session = new SmtpSession(context, socket, client);
                sessions.put(socket, session);
                session.run();
            }
        } finally {
            sessions.remove(socket);
            closeQuietly(socket);
            context.telemetry().connectionClosed(config.name(), config.flow());
            open.remove(socket);
            connections.decrementAndGet();
            if (counted != null) {
                connectionsPerAddress.computeIfPresent(counted, (a, count) -> count == 1 ? null : count - 1);
            }
        }
    }

    /** The TCP peer, or on a PROXY listener the client its header names; null when the connection was cut off. */
    private InetSocketAddress realClient(Socket socket, SessionContext context) {
        ListenerConfig config = context.listener();
        InetSocketAddress peer = (InetSocketAddress) socket.getRemoteSocketAddress();
        List<Cidr> proxies = config.policy().proxyProtocol();
        if (proxies.isEmpty()) {
            return peer;
        }
        if (!Cidr.anyContains(proxies, peer.getAddress())) {
            log.warn("listener {}: {} is not a trusted proxy; closing", config.name(), peer.getAddress().getHostAddress());
            context.telemetry().connectionRefused(config.name(), config.flow(), "proxy");
            return null;
        }
        try {
            return ProxyProtocol.read(socket, config.limits().proxyHeaderTimeout());
        } catch (IOException e) {
            log.warn("listener {}: bad PROXY header from {}: {}", config.name(), peer.getAddress().getHostAddress(),
                    e.getMessage());
            context.telemetry().connectionRefused(config.name(), config.flow(), "proxy-header");
            return null;
        }
    }

    private void refuse(Socket socket, InetAddress client, Reply reply, String limit) {
        ListenerConfig config = context.listener();
        log.info("listener {}: refused {} ({} reached)", config.name(), client.getHostAddress(), limit);
        context.telemetry().connectionRefused(config.name(), config.flow(), limit);
        try (socket; OutputStream out = socket.getOutputStream()) {
            out.write(reply.toBytes());
        } catch (IOException e) {
            log.debug("listener {}: could not send refusal: {}", config.name(), e.toString());
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to tell the client
        }
    }

    /** True while every server socket of this listener is open. */
    public boolean isUp() {
        return !closed && !serverSockets.isEmpty() && serverSockets.stream().noneMatch(ServerSocket::isClosed);
    }

    public int activeConnections() {
        return connections.get();
    }

    /** Stops accepting; sessions in progress run to their end (a reload removed this listener). */
    public void stopAccepting() {
        closed = true;
        for (ServerSocket server : serverSockets) {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /**
     * The end of a graceful stop's deadline: every session still open hears {@code 421 4.3.2} and
     * is closed (a connection whose session has not started yet is just closed).
     *
     * @return how many connections were still open
     */
    public int shutDownSessions() {
        int count = 0;
        for (Socket socket : open) {
            SmtpSession session = sessions.get(socket);
            if (session != null) {
                session.shutDown();
            }
            closeQuietly(socket);
            count++;
        }
        return count;
    }

    /** Stops accepting and closes the sessions in progress (shutdown). */
    @Override
    public void close() {
        stopAccepting();
        for (Socket socket : open) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
