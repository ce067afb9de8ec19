package io.portcullis.config;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Which checks a listener runs at each phase, in order: check names (built-in or defined under
 * {@code phase-checks:}). Built-in checks the listener's {@code phases:} does not place run first,
 * in their default order.
 *
 * @param rejectScore when the session's score reaches this after a phase, the command (at connect:
 *                    the session) is refused with 554 5.7.1; null for no threshold
 * @param tarpit      the delay before refusals at mail and rcpt, or null for none
 */
public record ListenerPhases(Map<Phase, List<String>> checks, Double rejectScore, Tarpit tarpit) {

    /**
     * Tarpitting ({@code phases.tarpit}): before each policy refusal at mail or rcpt, wait
     * {@code delay} times the refusals at those phases so far in the session (this one included),
     * at most {@code maxDelay}. Trusted clients are not delayed.
     */
    public record Tarpit(java.time.Duration delay, java.time.Duration maxDelay) {
        /** The wait before the {@code refusals}-th refusal of a session (1 for the first). */
        public java.time.Duration before(int refusals) {
            java.time.Duration grown = delay.multipliedBy(Math.min(refusals, 100_000));
            return grown.compareTo(maxDelay) > 0 ? maxDelay : grown;
        }
    }

    public ListenerPhases(Map<Phase, List<String>> checks, Double rejectScore) {
        this(checks, rejectScore, null);
    }

    public ListenerPhases {
        EnumMap<Phase, List<String>> copy = new EnumMap<>(Phase.class);
        for (Phase phase : Phase.values()) {
            copy.put(phase, List.copyOf(checks.getOrDefault(phase, List.of())));
        }
        checks = java.util.Collections.unmodifiableMap(copy);
    }

    /** Every built-in at its phase, nothing else: what a listener without {@code phases:} runs. */
    public static final ListenerPhases BUILT_IN_ONLY = withBuiltIns(Map.of(), null);

    /** The given lists with each built-in the list of its phase does not name put first, in default order. */
    public static ListenerPhases withBuiltIns(Map<Phase, List<String>> named, Double rejectScore) {
        return withBuiltIns(named, rejectScore, null);
    }

    /** As {@link #withBuiltIns(Map, Double)}, with tarpitting (null for none). */
    public static ListenerPhases withBuiltIns(Map<Phase, List<String>> named, Double rejectScore, Tarpit tarpit) {
        EnumMap<Phase, List<String>> all = new EnumMap<>(Phase.class);
        for (Phase phase : Phase.values()) {
            List<String> given = named.getOrDefault(phase, List.of());
            List<String> list = new java.util.ArrayList<>();
            PhaseCheckConfig.BUILT_IN.forEach((name, builtInPhase) -> {
                if (builtInPhase == phase && !given.contains(name)) {
                    list.add(name);
                }
            });
            list.addAll(given);
            all.put(phase, list);
        }
        return new ListenerPhases(all, rejectScore, tarpit);
    }

    public List<String> at(Phase phase) {
        return checks.get(phase);
    }
}
