package dev.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EventRouterTest {
    record Move(int x) {
    }

    @Test
    void aRegisteredTypeIsFoundAndAnUnknownOneIsNot() {
        EventRouter router = EventRouter.builder().on("move", Move.class, (ctx, move) -> { }).build();
        assertThat(router.route("move")).isPresent();
        assertThat(router.route("jump")).isEmpty();
        assertThat(router.types()).containsExactly("move");
    }

    @Test
    void builtInTypesCannotBeTakenOver() {
        for (String type : EventRouter.BUILT_IN_TYPES) {
            assertThatThrownBy(() -> EventRouter.builder().on(type, Move.class, (ctx, m) -> { }))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("built in");
        }
    }

    @Test
    void aTypeIsRegisteredOnce() {
        EventRouter.Builder b = EventRouter.builder().on("move", Move.class, (ctx, m) -> { });
        assertThatThrownBy(() -> b.on("move", Move.class, (ctx, m) -> { })).hasMessageContaining("already registered");
    }
}
