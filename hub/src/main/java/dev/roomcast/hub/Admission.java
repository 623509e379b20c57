package dev.roomcast.hub;

import dev.roomcast.core.ErrorCode;
import java.util.Objects;

/** The answer of {@link Hub#tryConnect}: admitted, or refused with the code the upgrade answers. */
public sealed interface Admission {

    /** The connection holds a slot in the hub until {@link Hub#disconnect}. */
    record Admitted() implements Admission {
    }

    /** The hub refused the connection ({@link ErrorCode#HUB_FULL} or {@link ErrorCode#SHUTTING_DOWN}). */
    record Refused(ErrorCode code) implements Admission {
        public Refused {
            Objects.requireNonNull(code, "code");
        }
    }
}
