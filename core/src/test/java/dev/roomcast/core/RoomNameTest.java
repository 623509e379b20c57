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
    void everyCharacterInEveryPositionIsJudgedAsTheDocumentedPatternJudgesIt() {
        // The rule as a pattern, kept here as the reference for the hand-written check.
        java.util.regex.Pattern rule = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9:_.\\-]{0,127}");
        for (char c = 0; c < 0x3000; c++) {
            for (String name : new String[] {String.valueOf(c), "a" + c, c + "a", "ab" + c + "cd"}) {
                assertThat(RoomName.isValid(name)).as("U+%04X in %s", (int) c, name).isEqualTo(rule.matcher(name).matches());
            }
        }
        assertThat(RoomName.isValid(null)).isFalse();
    }

    @Test
    void aNameOf128CharactersIsValidAnd129IsNot() {
        assertThat(RoomName.isValid("r".repeat(128))).isTrue();
        assertThat(RoomName.isValid("r".repeat(129))).isFalse();
    }
}
