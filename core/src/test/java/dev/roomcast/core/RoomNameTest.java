package dev.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RoomNameTest {
    @ParameterizedTest
    @ValueSource(strings = {"lobby", "team:alice:general", "a", "room_1.x-y", "0"})
    void namesOfLettersDigitsAndSeparatorsAreValid(String name) {
        assertThat(RoomName.isValid(name)).isTrue();
        assertThat(RoomName.of(name).value()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " lobby", "bad room", ":x", "-x", "a/b", "a?b", "é"})
    void namesThatCouldConfuseUrlsLogsOrLabelsAreInvalid(String name) {
        assertThat(RoomName.isValid(name)).isFalse();
        assertThat(RoomName.parse(name)).isEmpty();
        assertThatThrownBy(() -> RoomName.of(name)).isInstanceOf(RoomcastException.class);
    }

    @Test
    void aNameOf128CharactersIsValidAnd129IsNot() {
        assertThat(RoomName.isValid("r".repeat(128))).isTrue();
        assertThat(RoomName.isValid("r".repeat(129))).isFalse();
    }
}
