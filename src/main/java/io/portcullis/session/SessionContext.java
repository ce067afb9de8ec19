package io.portcullis.session;

import io.portcullis.config.ListenerConfig;
import io.portcullis.spool.Spool;
import javax.net.ssl.SSLContext;

/**
 * What every session of one listener shares: its configuration, the spool and the TLS context
 * (null when the listener offers no STARTTLS). Immutable; a config reload makes a new one.
 */
public record SessionContext(ListenerConfig listener, Spool spool, SSLContext tls) {
}
