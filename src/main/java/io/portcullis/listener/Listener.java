package io.portcullis.listener;

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
import java.net.SocketException;
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
    private final List<ServerSocket> serverSockets = new ArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> connectionsPerAddress = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

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
        ListenerConfig config = context.listener();
        try {
            for (InetSocketAddress address : config.bind()) {
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
            close();
            throw e;
        }
        for (ServerSocket server : serverSockets) {
            Thread.ofVirtual().name("accept-" + config.name()).start(() -> acceptLoop(server));
            log.info("listener {} (flow {}) on {}{}", config.name(), config.flow(), server.getLocalSocketAddress(),
                    context.tls() != null ? " with STARTTLS" : "");
        }
    }

    /** The addresses actually bound (port 0 in the config becomes the port the system chose). */
    public List<InetSocketAddress> boundAddresses() {
        return serverSockets.stream().map(s -> (InetSocketAddress) s.getLocalSocketAddress()).toList();
    }

    public String name() {
        return context.listener().name();
    }

    private void acceptLoop(ServerSocket server) {
        while (!closed) {
            ListenerConfig config = context.listener();
            Socket socket;
            try {
                socket = server.accept();
            } catch (SocketException e) {
                if (!closed) {
                    log.error("listener {}: accept failed: {}", config.name(), e.toString());
                }
                return;
            } catch (IOException e) {
                log.warn("listener {}: accept failed: {}", config.name(), e.toString());
                continue;
            }
            Thread.ofVirtual().name("smtp-" + config.name()).start(() -> serve(socket));
        }
    }

    private void serve(Socket socket) {
        SessionContext context = this.context;
        ListenerConfig config = context.listener();
        InetAddress client = socket.getInetAddress();
        int total = connections.incrementAndGet();
        int perAddress = connectionsPerAddress.merge(client, 1, Integer::sum);
        open.add(socket);
        context.telemetry().connectionOpened(config.name(), config.flow());
        try {
            if (total > config.limits().maxConnections()) {
                refuse(socket, Replies.TOO_MANY_CONNECTIONS, "max-connections");
            } else if (perAddress > config.limits().maxConnectionsPerIp()) {
                refuse(socket, Replies.TOO_MANY_CONNECTIONS_FROM_ADDRESS, "max-connections-per-ip");
            } else {
                new SmtpSession(context, socket).run();
            }
        } finally {
            context.telemetry().connectionClosed(config.name(), config.flow());
            open.remove(socket);
            connections.decrementAndGet();
            connectionsPerAddress.computeIfPresent(client, (a, count) -> count == 1 ? null : count - 1);
        }
    }

    private void refuse(Socket socket, Reply reply, String limit) {
        ListenerConfig config = context.listener();
        log.info("listener {}: refused {} ({} reached)", config.name(), socket.getInetAddress().getHostAddress(), limit);
        context.telemetry().connectionRefused(config.name(), config.flow(), limit);
        try (socket; OutputStream out = socket.getOutputStream()) {
            out.write(reply.toBytes());
        } catch (IOException e) {
            log.debug("listener {}: could not send refusal: {}", config.name(), e.toString());
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
