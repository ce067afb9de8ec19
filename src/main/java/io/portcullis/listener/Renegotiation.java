package io.portcullis.listener;

import io.portcullis.config.TlsConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/**
 * Client-initiated renegotiation (TLS 1.2; TLS 1.3 has none) lets any client make the server
 * redo the expensive half of a handshake on one connection, again and again. The JDK refuses it
 * only JVM-wide, with the system property {@value #PROPERTY}, which it reads once, when the first
 * server handshake loads its classes. So {@code Main} sets it before anything else,
 * {@code bin/portcullis} passes it on the command line, and the gateway checks at start that the
 * JVM it runs in really refuses ({@link #requireRefused()}): in memory, with two
 * {@link SSLEngine}s, a throwaway certificate and no socket.
 */
public final class Renegotiation {
    /** The JDK's switch: true makes a server answer a renegotiating ClientHello with a fatal alert. */
    public static final String PROPERTY = "jdk.tls.rejectClientInitiatedRenegotiation";

    private static volatile Boolean refused;

    private Renegotiation() {
    }

    /** Sets {@value #PROPERTY}; effective only before the first server handshake of this JVM. */
    public static void refuseClientInitiated() {
        System.setProperty(PROPERTY, "true");
    }

    /** Fails when this JVM's TLS servers accept a client-initiated renegotiation (checked once per JVM). */
    public static void requireRefused() throws IOException {
        if (!isRefused()) {
            throw new IOException("this JVM accepts client-initiated TLS renegotiation (a denial-of-service risk): "
                    + "start it with -D" + PROPERTY + "=true (bin/portcullis does)");
        }
    }

    /** True when a server in this JVM refuses a renegotiating client. */
    public static synchronized boolean isRefused() throws IOException {
        if (refused == null) {
            refused = probe();
        }
        return refused;
    }

    private static boolean probe() throws IOException {
        Path directory = Files.createTempDirectory("portcullis-renegotiation");
        try {
            TlsContexts.writeSelfSigned(directory, "localhost");
            SSLContext serverContext = TlsContexts.serverContext(directory.resolve("certificate.pem"),
                    directory.resolve("key.pem"), TlsConfig.of(null, null, true));
            SSLEngine server = serverContext.createSSLEngine();
            server.setUseClientMode(false);
            server.setSSLParameters(serverContext.getDefaultSSLParameters());
            SSLContext clientContext = SSLContext.getInstance("TLS");
            clientContext.init(null, new TrustManager[] {new io.portcullis.config.TrustEveryCertificate()}, null);
            SSLEngine client = clientContext.createSSLEngine("localhost", 25);
            client.setUseClientMode(true);
            client.setEnabledProtocols(new String[] {"TLSv1.2"});
            client.beginHandshake();
            server.beginHandshake();
            if (handshake(client, server) != Outcome.COMPLETED) {
                throw new IOException("the renegotiation check could not complete a first handshake");
            }
            client.beginHandshake();
            Outcome renegotiation = handshake(client, server);
            if (renegotiation == Outcome.STALLED) {
                throw new IOException("the renegotiation check stalled");
            }
            return renegotiation == Outcome.FAILED;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("the renegotiation check failed: " + e.getMessage(), e);
        } finally {
            for (String name : new String[] {"certificate.pem", "key.pem"}) {
                Files.deleteIfExists(directory.resolve(name));
            }
            Files.deleteIfExists(directory);
        }
    }

    private enum Outcome { COMPLETED, FAILED, STALLED }

    /** Drives both engines until the handshake is done or one side fails; bounded. */
    private static Outcome handshake(SSLEngine client, SSLEngine server) {
        int packet = Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
        int application = Math.max(client.getSession().getApplicationBufferSize(), server.getSession().getApplicationBufferSize());
        ByteBuffer toServer = ByteBuffer.allocate(packet * 4);
        ByteBuffer toClient = ByteBuffer.allocate(packet * 4);
        ByteBuffer sink = ByteBuffer.allocate(application * 2);
        ByteBuffer empty = ByteBuffer.allocate(0);
        try {
            for (int round = 0; round < 200; round++) {
                step(client, toServer, toClient, empty, sink);
                step(server, toClient, toServer, empty, sink);
                if (done(client) && done(server) && toServer.position() == 0 && toClient.position() == 0) {
                    return Outcome.COMPLETED;
                }
            }
            return Outcome.STALLED;
        } catch (SSLException e) {
            return Outcome.FAILED;
        }
    }

    private static boolean done(SSLEngine engine) {
        SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
        return status == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING || status == SSLEngineResult.HandshakeStatus.FINISHED;
    }

    /** One engine's turn: run delegated tasks, read what the peer sent, write what it wants to send. */
    private static void step(SSLEngine engine, ByteBuffer out, ByteBuffer in, ByteBuffer empty, ByteBuffer sink)
            throws SSLException {
        for (int i = 0; i < 20; i++) {
            Runnable task;
            while ((task = engine.getDelegatedTask()) != null) {
                task.run();
            }
            SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
            if (status == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                SSLEngineResult result = engine.wrap(empty, out);
                if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new SSLException("closed");
                }
            } else if (status == SSLEngineResult.HandshakeStatus.NEED_UNWRAP && in.position() > 0) {
                in.flip();
                SSLEngineResult result = engine.unwrap(in, sink);
                in.compact();
                sink.clear();
                if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new SSLException("closed");
                }
                if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                    return;
                }
            } else if (status == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING && in.position() > 0) {
                in.flip();
                engine.unwrap(in, sink);
                in.compact();
                sink.clear();
            } else {
                return;
            }
        }
    }
}
