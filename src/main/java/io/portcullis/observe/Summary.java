package io.portcullis.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The counters since start, regrouped for the dashboard: per flow, per connector and per listener.
 * Read from the same registry {@code /metrics} exports, so the page and Prometheus always agree.
 */
public record Summary(Instant time, Map<String, FlowFigures> flows, Map<String, ConnectorFigures> connectors,
                      Map<String, ListenerFigures> listeners) {

    public static final class FlowFigures {
        public long received;
        public long recipients;
        public long rejects;
        public Map<String, Long> rejectsByReason = new TreeMap<>();
        public long delivered;
        public long deferred;
        public long bounced;
        public long queued;
        public double oldestAgeSeconds;
    }

    public static final class ConnectorFigures {
        public long delivered;
        public long deferred;
        public long bounced;
        public long expired;
        public long attempts;
    }

    public static final class ListenerFigures {
        public String flow;
        public long connections;
        public long active;
        public long refused;
        public long tls;
    }

    static Summary of(MeterRegistry registry) {
        Map<String, FlowFigures> flows = new TreeMap<>();
        Map<String, ConnectorFigures> connectors = new TreeMap<>();
        Map<String, ListenerFigures> listeners = new TreeMap<>();
        Function<String, FlowFigures> flow = name -> flows.computeIfAbsent(name, n -> new FlowFigures());
        Function<String, ConnectorFigures> connector = name -> connectors.computeIfAbsent(name, n -> new ConnectorFigures());
        Function<String, ListenerFigures> listener = name -> listeners.computeIfAbsent(name, n -> new ListenerFigures());
        for (Counter c : registry.find("portcullis.messages.received").counters()) {
            flow.apply(c.getId().getTag("flow")).received += (long) c.count();
        }
        for (Counter c : registry.find("portcullis.recipients.received").counters()) {
            flow.apply(c.getId().getTag("flow")).recipients += (long) c.count();
        }
        for (Counter c : registry.find("portcullis.rejects").counters()) {
            FlowFigures f = flow.apply(c.getId().getTag("flow"));
            f.rejects += (long) c.count();
            if (c.count() > 0) { // the reasons registered at zero from start would be empty bars
                f.rejectsByReason.merge(c.getId().getTag("reason"), (long) c.count(), Long::sum);
            }
        }
        for (String[] outcome : new String[][] {{"portcullis.delivered", "d"}, {"portcullis.deferred", "f"},
            {"portcullis.bounced", "b"}, {"portcullis.expired", "e"}, {"portcullis.delivery.attempts", "a"}}) {
            for (Counter c : registry.find(outcome[0]).counters()) {
                long n = (long) c.count();
                ConnectorFigures k = connector.apply(c.getId().getTag("connector"));
                FlowFigures f = flow.apply(c.getId().getTag("flow"));
                switch (outcome[1]) {
                    case "d" -> {
                        k.delivered += n;
                        f.delivered += n;
                    }
                    case "f" -> {
                        k.deferred += n;
                        f.deferred += n;
                    }
                    case "b" -> {
                        k.bounced += n;
                        f.bounced += n;
                    }
                    case "e" -> {
                        k.expired += n;
                        f.bounced += n;
                    }
                    default -> k.attempts += n;
                }
            }
        }
        for (Gauge g : registry.find("portcullis.queue.messages").gauges()) {
            flow.apply(g.getId().getTag("flow")).queued = (long) g.value();
        }
        for (Gauge g : registry.find("portcullis.queue.oldest.age.seconds").gauges()) {
            flow.apply(g.getId().getTag("flow")).oldestAgeSeconds = g.value();
        }
        for (Counter c : registry.find("portcullis.connections").counters()) {
            ListenerFigures l = listener.apply(c.getId().getTag("listener"));
            l.flow = c.getId().getTag("flow");
            l.connections += (long) c.count();
        }
        for (Gauge g : registry.find("portcullis.connections.active").gauges()) {
            listener.apply(g.getId().getTag("listener")).active += (long) g.value();
        }
        for (Counter c : registry.find("portcullis.connections.refused").counters()) {
            listener.apply(c.getId().getTag("listener")).refused += (long) c.count();
        }
        for (Counter c : registry.find("portcullis.tls.sessions").counters()) {
            listener.apply(c.getId().getTag("listener")).tls += (long) c.count();
        }
        return new Summary(Instant.now(), flows, connectors, listeners);
    }
}
