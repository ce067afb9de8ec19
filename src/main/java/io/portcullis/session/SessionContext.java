package io.portcullis.session;

import io.portcullis.config.ListenerConfig;
import io.portcullis.config.RouteTable;
import io.portcullis.spool.Spool;
import javax.net.ssl.SSLContext;

/**
 * What every session of one listener shares: its configuration, the routes (who may send where),
 * the spool and the TLS context (null when the listener offers no STARTTLS). Immutable; a config
 * reload makes a new one.
 */
public record SessionContext(ListenerConfig listener, RouteTable routes, Spool spool, SSLContext tls) {
    /** The only TLS versions a session negotiates. */
    public static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
}
