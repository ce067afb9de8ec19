package io.portcullis.listener;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.time.Instant;
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
 */
public final class ServerTlsContext extends SSLContext {
    private final Instant notAfter;

    ServerTlsContext(SSLContext delegate, SSLParameters parameters, Instant notAfter) {
        super(new PolicySpi(delegate, parameters), delegate.getProvider(), delegate.getProtocol());
        this.notAfter = notAfter;
    }

    /** When the leaf certificate this context serves expires. */
    public Instant notAfter() {
        return notAfter;
    }

    private static final class PolicySpi extends SSLContextSpi {
        private final SSLContext delegate;
        private final SSLParameters parameters;
        private final SSLSocketFactory sockets;

        PolicySpi(SSLContext delegate, SSLParameters parameters) {
            this.delegate = delegate;
            this.parameters = parameters;
            this.sockets = new PolicySocketFactory(delegate.getSocketFactory(), this::parameters);
        }

        private SSLParameters parameters() {
            SSLParameters copy = delegate.getDefaultSSLParameters();
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
            SSLEngine engine = delegate.createSSLEngine();
            engine.setSSLParameters(parameters());
            return engine;
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            SSLEngine engine = delegate.createSSLEngine(host, port);
            engine.setSSLParameters(parameters());
            return engine;
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return delegate.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return delegate.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return parameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return delegate.getSupportedSSLParameters();
        }
    }

    /** Makes the JDK's sockets and applies the policy before anyone can start a handshake. */
    private static final class PolicySocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final java.util.function.Supplier<SSLParameters> parameters;

        PolicySocketFactory(SSLSocketFactory delegate, java.util.function.Supplier<SSLParameters> parameters) {
            this.delegate = delegate;
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
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
            return applied(delegate.createSocket(socket, host, port, autoClose));
        }

        @Override
        public Socket createSocket(Socket socket, InputStream consumed, boolean autoClose) throws IOException {
            return applied(delegate.createSocket(socket, consumed, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return applied(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return applied(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return applied(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return applied(delegate.createSocket(address, port, localAddress, localPort));
        }
    }
}
