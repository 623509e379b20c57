package dev.roomcast.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SecretBroadcastAuthorizerTest {
    private static final String BROADCAST = "broadcast-secret-0123456789-abcdefghij";
    private static final String TOKEN = "token-secret-0123456789-abcdefghijklmnop";

    private final SecretBroadcastAuthorizer authorizer = new SecretBroadcastAuthorizer(bytes(BROADCAST), Optional.of(bytes(TOKEN)));

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theBroadcastSecretMayBroadcast() {
        assertThat(authorizer.mayBroadcast(BROADCAST)).isTrue();
    }

    @Test
    void theTokenSecretMayNotBroadcast() {
        assertThat(authorizer.mayBroadcast(TOKEN)).isFalse();
    }

    @Test
    void credentialsOfOtherLengthsOrContentsMayNotBroadcast() {
        assertThat(authorizer.mayBroadcast(BROADCAST.substring(0, BROADCAST.length() - 1))).isFalse();
        assertThat(authorizer.mayBroadcast(BROADCAST + "x")).isFalse();
        assertThat(authorizer.mayBroadcast(BROADCAST.toUpperCase())).isFalse();
        assertThat(authorizer.mayBroadcast("")).isFalse();
        assertThat(authorizer.mayBroadcast(null)).isFalse();
    }

    @Test
    void equalBroadcastAndTokenSecretsAreRefusedAtConstruction() {
        assertThatThrownBy(() -> new SecretBroadcastAuthorizer(bytes(TOKEN), Optional.of(bytes(TOKEN))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("adminBroadcastSecret: expected a secret different from tokenSecret but they are equal");
    }

    @Test
    void broadcastSecretShorterThan32BytesIsRefused() {
        assertThatThrownBy(() -> new SecretBroadcastAuthorizer(new byte[31], Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("adminBroadcastSecret: expected at least 32 bytes (RFC 7518 §3.2) but was 31");
    }

    @Test
    void mutatingTheCallersSecretAfterConstructionChangesNothing() {
        byte[] secret = bytes(BROADCAST);
        SecretBroadcastAuthorizer copyHolder = new SecretBroadcastAuthorizer(secret, Optional.empty());

        Arrays.fill(secret, (byte) 'x');

        assertThat(copyHolder.mayBroadcast(BROADCAST)).isTrue();
        assertThat(copyHolder.mayBroadcast(new String(secret, StandardCharsets.UTF_8))).isFalse();
    }
}
