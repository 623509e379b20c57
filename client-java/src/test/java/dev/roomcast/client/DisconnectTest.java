package dev.roomcast.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which ends the client reconnects after and which stop it, as the protocol page's table says. */
class DisconnectTest {

    @ParameterizedTest
    @ValueSource(ints = {1000, 1002, 1003, 1007, 1008, 1009, 4000, 4401, 4999})
    void terminalCloseCodesStopTheClient(int code) {
        assertThat(Disconnect.closed(code, "").terminal()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {1001, 1006, 1011, 1012, 1013, 3999, 5000})
    void goingAwayLostInternalAndTryAgainLaterReconnect(int code) {
        assertThat(Disconnect.closed(code, "").terminal()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 405, 413})
    void upgradeRefusalsWithA4xxOtherThan429AreTerminal(int status) {
        assertThat(Disconnect.refused(status, "X").terminal()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 500, 502, 503})
    void upgradeRefusalsWith429Or5xxReconnect(int status) {
        assertThat(Disconnect.refused(status, "X").terminal()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ROOM_FORBIDDEN", "INVALID_ROOM"})
    void aRejoinRefusedAsForbiddenOrInvalidIsTerminal(String code) {
        assertThat(Disconnect.rejoinRefused("vip", code).terminal()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ROOM_FULL", "RATE_LIMITED", "HUB_FULL"})
    void aRejoinRefusedForCapacityReconnects(String code) {
        assertThat(Disconnect.rejoinRefused("lobby", code).terminal()).isFalse();
    }
}
