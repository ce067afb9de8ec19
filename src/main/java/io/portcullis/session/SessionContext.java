package io.portcullis.session;

import io.portcullis.auth.AuthThrottle;
import io.portcullis.auth.UserStore;
import io.portcullis.config.ListenerConfig;
import io.portcullis.config.Phase;
import io.portcullis.config.RouteTable;
import io.portcullis.content.ContentChain;
import io.portcullis.observe.Telemetry;
import io.portcullis.policy.PhaseChecks;
import io.portcullis.spool.Spool;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * What every session of one listener shares: its configuration, the routes (who may send where),
 * the spool, the TLS context (null when the listener offers no STARTTLS), the policy checks of each
 * phase, the users, the authentication throttle and where to report (telemetry). Immutable; a
 * config reload makes a new one.
 */
public record SessionContext(ListenerConfig listener, RouteTable routes, Spool spool, SSLContext tls,
                             Map<Phase, List<PhaseChecks.Named>> phases, UserStore users,
                             AuthThrottle throttle, Telemetry telemetry, ContentChain content) {
}
