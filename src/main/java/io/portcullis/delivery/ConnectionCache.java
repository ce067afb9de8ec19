package io.portcullis.delivery;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Idle SMTP client connections kept for the next message to the same next hop, so a burst of
 * mail to one destination pays for one connection, one TLS handshake and one EHLO. A connection
 * idle longer than {@link #MAX_IDLE_NANOS} is closed instead of reused; one taken from the cache
 * is checked with RSET first, because the server may have closed it meanwhile.
 */
final class ConnectionCache implements AutoCloseable {
    static final long MAX_IDLE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int MAX_IDLE_PER_HOP = 16;

    private final ConcurrentHashMap<String, Deque<SmtpClient>> idle = new ConcurrentHashMap<>();

    /** A live idle connection to {@code hop}, or null. */
    SmtpClient take(NextHop hop) {
        Deque<SmtpClient> clients = idle.get(hop.toString());
        while (clients != null) {
            SmtpClient client;
            synchronized (clients) {
                client = clients.pollLast();
            }
            if (client == null) {
                return null;
            }
            if (client.idleNanos() < MAX_IDLE_NANOS && client.reset()) {
                return client;
            }
            client.close();
        }
        return null;
    }

    /** Keeps a connection that ended its transaction cleanly; closes it when the cache is full. */
    void put(SmtpClient client) {
        Deque<SmtpClient> clients = idle.computeIfAbsent(client.hop().toString(), key -> new ArrayDeque<>());
        SmtpClient overflow = null;
        synchronized (clients) {
            clients.addLast(client);
            if (clients.size() > MAX_IDLE_PER_HOP) {
                overflow = clients.pollFirst();
            }
        }
        if (overflow != null) {
            overflow.close();
        }
    }

    /** Closes connections idle for too long; called periodically by the scheduler. */
    void sweep() {
        for (Deque<SmtpClient> clients : idle.values()) {
            while (true) {
                SmtpClient stale;
                synchronized (clients) {
                    SmtpClient oldest = clients.peekFirst();
                    if (oldest == null || oldest.idleNanos() < MAX_IDLE_NANOS) {
                        break;
                    }
                    stale = clients.pollFirst();
                }
                stale.close();
            }
        }
    }

    @Override
    public void close() {
        for (Deque<SmtpClient> clients : idle.values()) {
            synchronized (clients) {
                clients.forEach(SmtpClient::close);
                clients.clear();
            }
        }
    }
}
