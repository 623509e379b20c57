package dev.roomcast.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roomcast.bench.client.Wire;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LoopbackTest {

    @Test
    void everyTargetOutsideLoopbackIsRefused() {
        for (String host : new String[] {"10.0.0.1", "192.168.1.10", "172.16.0.1", "8.8.8.8", "0.0.0.0", "::1"}) {
            assertThatThrownBy(() -> Loopback.target(host, 8080)).as(host)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("127.0.0.0/8");
        }
    }

    @Test
    void loopbackTargetsAreAccepted() {
        assertThat(Loopback.target("127.0.0.1", 8080).getPort()).isEqualTo(8080);
        assertThat(Loopback.target("127.3.2.1", 1).getAddress().getHostAddress()).isEqualTo("127.3.2.1");
    }

    @Test
    void sourceAddressesStayInLoopbackAndAreBounded() {
        assertThat(Loopback.sourceAddresses(250)).hasSize(250)
                .allSatisfy(a -> assertThat(a.getAddress()[0]).isEqualTo((byte) 127));
        assertThatThrownBy(() -> Loopback.sourceAddresses(251)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Loopback.sourceAddresses(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void publishedPayloadHasTheRequestedSizeAndReadsBack() {
        Wire wire = new Wire("fanout", 64);
        int len = wire.publish(4711, 123456789012L);
        String text = new String(wire.buffer(), 0, len, StandardCharsets.US_ASCII);
        String payload = text.substring(text.indexOf("\"payload\":") + 10, text.length() - 1);
        assertThat(payload).hasSize(64);
        assertThat(Wire.seq(wire.buffer(), 0, len)).isEqualTo(4711);
        assertThat(Wire.ts(wire.buffer(), 0, len)).isEqualTo(123456789012L);
        assertThat(Wire.seq("{\"type\":\"joined\"}".getBytes(StandardCharsets.US_ASCII), 0, 17)).isEqualTo(-1);
    }
}
