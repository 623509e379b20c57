package dev.roomcast.core;

import java.util.List;

/**
 * Thrown by {@link RoomcastConfig#validate()} when a setting breaks a rule; the message names every
 * offending field and the rule it broke, and never includes a secret's value.
 */
public final class InvalidConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final List<String> violations;

    public InvalidConfigException(List<String> violations) {
        super("invalid Roomcast configuration: " + String.join("; ", violations));
        this.violations = List.copyOf(violations);
    }

    /** Each violation as "field: expected … but was …". */
    public List<String> violations() {
        return violations;
    }
}
