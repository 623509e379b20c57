package dev.roomcast.observability.internal;

import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomName;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns values that arrive from clients or plug-ins into label values drawn from a bounded set, so a
 * client can never grow the number of time series: event types not known to the router, close codes
 * nobody registered and authenticators' free-form reasons all collapse into {@value #OTHER}.
 * Thread-safe; every method is cheap and never throws.
 */
public final class BoundedLabels {
    /** The label value of everything outside the known set. */
    public static final String OTHER = "other";
    /** The label value when there is nothing to name (no room, no reason). */
    public static final String NONE = "none";
    /** Distinct authentication failure reasons kept before the rest become {@value #OTHER}. */
    static final int MAX_AUTH_REASONS = 16;
    private static final int MAX_REASON_LENGTH = 32;

    /**
     * Close codes a label may carry: the RFC 6455 registry (1000–1015, minus the reserved 1004), so a
     * client's own 4000-range codes cannot each become a series.
     */
    private static final Set<Integer> NAMED_CLOSE_CODES =
            Set.of(1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015);

    private final Set<String> eventTypes;
    private final Set<String> roomLabels;
    private final Set<String> authReasons = ConcurrentHashMap.newKeySet();

    /**
     * Creates the bounds.
     *
     * @param router     its registered types, with the built-in ones, are the event types kept
     * @param roomLabels rooms named in labels (an opt-in allow-list); empty means no room label at all
     */
    public BoundedLabels(EventRouter router, Set<RoomName> roomLabels) {
        Set<String> types = new HashSet<>(EventRouter.BUILT_IN_TYPES);
        types.addAll(router.types());
        this.eventTypes = Set.copyOf(types);
        Set<String> rooms = new HashSet<>();
        roomLabels.forEach(r -> rooms.add(r.value()));
        this.roomLabels = Set.copyOf(rooms);
    }

    /** The event type if built in or registered, else {@value #OTHER}. */
    public String eventType(String type) {
        return eventTypes.contains(type) ? type : OTHER;
    }

    /** Whether rooms appear in labels at all (the allow-list is not empty). */
    public boolean roomLabelsEnabled() {
        return !roomLabels.isEmpty();
    }

    /** The room's name if it is on the allow-list, {@value #NONE} when absent, else {@value #OTHER}. */
    public String room(String room) {
        if (room == null) {
            return NONE;
        }
        return roomLabels.contains(room) ? room : OTHER;
    }

    /** The close code as text if the RFC registry names it, else {@value #OTHER}. */
    public static String closeCode(int code) {
        return NAMED_CLOSE_CODES.contains(code) ? Integer.toString(code) : OTHER;
    }

    /**
     * An authentication failure reason: a short lower-case word of letters, digits, {@code _},
     * {@code .} or {@code -}, among the first {@value #MAX_AUTH_REASONS} distinct ones seen; anything
     * else is {@value #OTHER}. A reason is meant to be a fixed word, but it comes from a plug-in.
     */
    public String authReason(String reason) {
        if (reason == null || reason.isEmpty()) {
            return NONE;
        }
        if (authReasons.contains(reason)) {
            return reason;
        }
        if (reason.length() > MAX_REASON_LENGTH || !isWord(reason) || authReasons.size() >= MAX_AUTH_REASONS) {
            return OTHER;
        }
        authReasons.add(reason); // may overshoot the cap by the number of racing threads, never more
        return reason;
    }

    private static boolean isWord(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** An enum constant as a lower-case label value. */
    public static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
