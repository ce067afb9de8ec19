package io.portcullis.listener;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * A listener's server TLS context: the JDK's context with the listener's policy
 * ({@link TlsPolicy}) as its default parameters, applied to every socket and engine it makes, so
 * no code path can hand out a socket with the JDK's defaults. Also knows when the served
 * certificate expires. The JDK's session cache (and TLS 1.3 tickets) lets repeat senders resume.
 *
 * <p>The certificate can change under a running listener ({@link CertificateWatch}, when an ACME
 * client renews it): the JDK context behind this one is swapped whole for one built from the new
 * pair. A socket keeps the context it was made from, so sessions already running (and a handshake
 * already under way) are not touched; every socket made afterwards handshakes with the new
 * certificate. The new context has its own session cache and ticket keys, so no client resumes
 * into a session made with the old certificate after the swap: the first handshake of each is a
 * full one, presenting the new certificate.
 */
public final class ServerTlsContext extends SSLContext {
    private final PolicySpi spi;
    private volatile CertificateWatch watch;

    private ServerTlsContext(PolicySpi spi) {
        super(spi, spi.current.context().getProvider(), spi.current.context().getProtocol());
        this.spi = spi;
    }

    ServerTlsContext(SSLContext delegate, SSLParameters parameters, ServedCertificate certificate) {
        this(new PolicySpi(new Served(delegate, certificate), parameters));
    }

    /** When the leaf certificate this context serves now expires. */
    public Instant notAfter() {
        return certificate().getNotAfter().toInstant();
    }

    /** The leaf certificate new handshakes present. */
    public X509Certificate certificate() {
        return spi.current.certificate().leaf();
    }

    ServedCertificate served() {
        return spi.current.certificate();
    }

    /** From now on, new sockets and engines handshake with {@code certificate} through {@code delegate}. */
    void swap(SSLContext delegate, ServedCertificate certificate) {
        spi.current = new Served(delegate, certificate);
    }

    void watch(CertificateWatch watch) {
        this.watch = watch;
    }

    /**
     * Reads the certificate and key files again when their {@code tls.reload-interval} has passed
     * since the last look, and serves a new pair that loads and fits; see {@link CertificateWatch}.
     * Never throws: a pair that does not load is logged (once) and the old one stays.
     */
    public CertificateWatch.Outcome checkFilesIfDue(Instant now) {
        CertificateWatch current = watch;
        return current == null ? CertificateWatch.Outcome.UNCHANGED : current.checkIfDue(now);
    }

    /** The JDK context now in use and the certificate it serves. */
    private record Served(SSLContext context, ServedCertificate certificate) {
    }

    private static final class PolicySpi extends SSLContextSpi {
        private volatile Served current;
        private final SSLParameters parameters;
        private final SSLSocketFactory sockets;

        PolicySpi(Served current, SSLParameters parameters) {
            this.current = current;
            this.parameters = parameters;
            this.sockets = new PolicySocketFactory(() -> this.current.context().getSocketFactory(), this::parameters);
        }

        private SSLParameters parameters() {
            SSLParameters copy = current.context().getDefaultSSLParameters();
            copy.setProtocols(parameters.getProtocols());
            copy.setCipherSuites(parameters.getCipherSuites());
            copy.setUseCipherSuitesOrder(parameters.getUseCipherSuitesOrder());
            copy.setNamedGroups(parameters.getNamedGroups());
            copy.setNeedClientAuth(parameters.getNeedClientAuth());
            return copy;
        }

        @Override
        protected void engineInit(KeyManager[] keys, TrustManager[] trust, SecureRandom random) throws KeyManagementException {
            throw new KeyManagementException("already initialised");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return sockets;
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            throw new UnsupportedOperationException("listeners accept plain sockets and start TLS on STARTTLS");
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            SSLEngine engine = current.context().createSSLEngine();
            engine.setSSLParameters(parameters());
            return engine;
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            SSLEngine engine = current.context().createSSLEngine(host, port);
            engine.setSSLParameters(parameters());
            return engine;
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return current.context().getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return current.context().getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return parameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return current.context().getSupportedSSLParameters();
        }
    }

    /** Makes the JDK's sockets and applies the policy before anyone can start a handshake. */
    private static final class PolicySocketFactory extends SSLSocketFactory {
        private final Supplier<SSLSocketFactory> factory;
        private final Supplier<SSLParameters> parameters;

        PolicySocketFactory(Supplier<SSLSocketFactory> factory, Supplier<SSLParameters> parameters) {
            this.factory = factory;
            this.parameters = parameters;
        }

        private Socket applied(Socket socket) {
            ((SSLSocket) socket).setSSLParameters(parameters.get());
            return socket;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return parameters.get().getCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return factory.get().getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
            return applied(factory.get().createSocket(socket, host, port, autoClose));
        }

        @Override
        public Socket createSocket(Socket socket, InputStream consumed, boolean autoClose) throws IOException {
            return applied(factory.get().createSocket(socket, consumed, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return applied(factory.get().createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return applied(factory.get().createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return applied(factory.get().createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return applied(factory.get().createSocket(address, port, localAddress, localPort));
        }
    }
}
