package io.portcullis.policy;

import io.portcullis.config.ListenerConfig;
import io.portcullis.config.ListenerPolicy;
import io.portcullis.config.Phase;
import io.portcullis.smtp.Replies;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The listener's own rules as phase checks, by their built-in names
 * ({@link io.portcullis.config.PhaseCheckConfig#BUILT_IN}). A rule the listener's keys leave off
 * (no access lists, no rate, no anti-spoofing or send-as) is not built, so it costs nothing.
 */
public final class BuiltInChecks {
    private BuiltInChecks() {
    }

    public static Map<String, PhaseCheck> of(ListenerConfig listener, SenderCheck senders, RecipientCheck recipients,
                                             RateLimits rates) {
        ListenerPolicy policy = listener.policy();
        Map<String, PhaseCheck> checks = new LinkedHashMap<>();
        if (!policy.allow().isEmpty() || !policy.deny().isEmpty()) {
            checks.put("access", at(Phase.CONNECT, input -> ConnectionCheck.check(policy, input.client().address())));
        }
        if (policy.rateLimits().connectionsPerMinutePerIp() > 0) {
            checks.put("connection-rate", at(Phase.CONNECT, input -> rates.connection(input.client().address())));
        }
        checks.put("pregreet", at(Phase.CONNECT, input -> pregreet(input, listener.limits().greetingDelay())));
        if (policy.auth() != null && policy.auth().required()) {
            checks.put("auth-required", at(Phase.MAIL, input -> input.client().isAuthenticated()
                    || policy.isRelayNetwork(input.client().address()) ? Verdict.ACCEPT
                    : Verdict.reject(Replies.AUTH_REQUIRED, "auth-required")));
        }
        if (policy.enforceSendAs() || policy.rejectSpoofedSenders()) {
            checks.put("sender", at(Phase.MAIL, input -> senders.check(input.client(), input.sender())));
        }
        if (policy.rateLimits().messagesPerHourPerIp() > 0 || policy.rateLimits().messagesPerHourPerUser() > 0) {
            checks.put("message-rate", at(Phase.MAIL, input -> rates.message(input.client())));
        }
        checks.put("routing", at(Phase.RCPT, input -> recipients.checkRouting(input.client(), input.recipient(),
                input.sourceRouted())));
        if (policy.verifyRecipients()) {
            checks.put("recipients", at(Phase.RCPT, input -> recipients.verify(input.recipient())));
        }
        checks.put("relay", at(Phase.RCPT, input -> recipients.relay(input.client(), input.recipient())));
        if (policy.rateLimits().recipientsPerHourPerIp() > 0 || policy.rateLimits().recipientsPerHourPerUser() > 0) {
            checks.put("recipient-rate", at(Phase.RCPT, input -> rates.recipient(input.client())));
        }
        if (policy.checkHeaderFrom() && (policy.enforceSendAs() || policy.rejectSpoofedSenders())) {
            checks.put("header-from", at(Phase.DATA, input -> senders.checkHeader(input.client(), input.originators())));
        }
        return checks;
    }

    /**
     * A client that sends before our banner is not waiting for it: a spam engine, not an MTA. The
     * listener's {@code greeting-delay} is how long we wait for it to give itself away.
     */
    private static Verdict pregreet(PhaseInput input, Duration delay) {
        try {
            return input.session().clientTalked(delay)
                    ? new Verdict.Disconnect(Replies.TALKED_BEFORE_GREETING, "pregreet") : Verdict.ACCEPT;
        } catch (IOException e) {
            return new Verdict.Disconnect(Replies.TALKED_BEFORE_GREETING, "pregreet");
        }
    }

    private interface Rule {
        Verdict check(PhaseInput input);
    }

    private static PhaseCheck at(Phase phase, Rule rule) {
        Set<Phase> phases = Set.of(phase);
        return new PhaseCheck() {
            @Override
            public Set<Phase> phases() {
                return phases;
            }

            @Override
            public Verdict check(PhaseInput input) {
                return rule.check(input);
            }
        };
    }
}
