package dev.roomcast.bench.scenario;

import java.util.Map;

/** Runs a scenario by name and formats its one-line human summary. */
public final class Scenarios {
    private Scenarios() {
    }

    /** Runs {@code name} (fanout, idle, churn, handshake) and returns its result as an ordered map. */
    public static Map<String, Object> run(String name, Options options) throws InterruptedException {
        return switch (name) {
            case "fanout" -> new FanoutScenario(options).run();
            case "idle" -> new IdleScenario(options).run();
            case "churn" -> new CycleScenario(options, true).run();
            case "handshake" -> new CycleScenario(options, false).run();
            default -> throw new IllegalArgumentException("scenario: expected fanout, idle, churn or handshake but was " + name);
        };
    }

    /** The human summary of a result. */
    public static String summary(Map<String, Object> r) {
        return switch ((String) r.get("scenario")) {
            case "fanout", "fanout-rate" -> FanoutScenario.summary(r);
            case "idle" -> IdleScenario.summary(r);
            default -> CycleScenario.summary(r);
        };
    }
}
