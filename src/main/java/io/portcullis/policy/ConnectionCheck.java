package io.portcullis.policy;

import io.portcullis.smtp.Replies;
import io.portcullis.config.Cidr;
import io.portcullis.config.ListenerPolicy;
import java.net.InetAddress;

/** At connect: the client must be in {@code access.allow} (when given) and not in {@code access.deny}. */
public final class ConnectionCheck {
    private ConnectionCheck() {
    }

    public static Verdict check(ListenerPolicy policy, InetAddress client) {
        boolean denied = Cidr.anyContains(policy.deny(), client);
        boolean allowed = policy.allow().isEmpty() || Cidr.anyContains(policy.allow(), client);
        return allowed && !denied ? Verdict.ACCEPT : Verdict.reject(Replies.ACCESS_DENIED, "access");
    }
}
