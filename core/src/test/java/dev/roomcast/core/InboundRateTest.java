package dev.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class InboundRateTest {

    @Test
    void aBurstOfOneIsTheSmallestAccepted() {
        assertThat(InboundRate.of(1, 1).burst()).isEqualTo(1);
        assertThatIllegalArgumentException().isThrownBy(() -> InboundRate.of(1, 0))
                .withMessage("inbound rate burst: expected at least 1 but was 0");
    }

    @Test
    void theRateMustBeAFiniteNumberAboveZero() {
        assertThat(InboundRate.of(0.001, 1).perSecond()).isEqualTo(0.001);
        assertThatIllegalArgumentException().isThrownBy(() -> InboundRate.of(0, 1))
                .withMessage("inbound rate perSecond: expected a finite number > 0 but was 0.0");
        assertThatIllegalArgumentException().isThrownBy(() -> InboundRate.of(-5, 1))
                .withMessageContaining("but was -5.0");
        assertThatIllegalArgumentException().isThrownBy(() -> InboundRate.of(Double.NaN, 1))
                .withMessageContaining("but was NaN");
        assertThatIllegalArgumentException().isThrownBy(() -> InboundRate.of(Double.POSITIVE_INFINITY, 1))
                .withMessageContaining("but was Infinity");
    }

    @Test
    void aTwoSecondBurstIsTwiceTheRateRoundedUp() {
        assertThat(InboundRate.withTwoSecondBurst(100)).isEqualTo(InboundRate.of(100, 200));
        assertThat(InboundRate.withTwoSecondBurst(2.25)).isEqualTo(InboundRate.of(2.25, 5));
        assertThat(InboundRate.withTwoSecondBurst(0.1)).isEqualTo(InboundRate.of(0.1, 1)); // never a burst of 0
    }

    @Test
    void aTwoSecondBurstMustFitAnInt() {
        double largest = Integer.MAX_VALUE / 2.0; // 2 × this is exactly Integer.MAX_VALUE
        assertThat(InboundRate.withTwoSecondBurst(largest).burst()).isEqualTo(Integer.MAX_VALUE);
        assertThatIllegalArgumentException().isThrownBy(() -> InboundRate.withTwoSecondBurst(largest + 1))
                .withMessageStartingWith("inbound rate burst (2 × perSecond): expected at most 2147483647 but was");
        assertThatIllegalArgumentException().isThrownBy(() -> InboundRate.withTwoSecondBurst(0))
                .withMessageContaining("expected a finite number > 0");
    }

    @Test
    void aRateExceedsAnotherByItsSustainedRateThenByItsBurst() {
        assertThat(InboundRate.of(200, 1).exceeds(InboundRate.of(100, 1000))).isTrue();
        assertThat(InboundRate.of(100, 300).exceeds(InboundRate.of(100, 200))).isTrue();
        assertThat(InboundRate.of(100, 200).exceeds(InboundRate.of(100, 200))).isFalse();
        assertThat(InboundRate.of(100, 1000).exceeds(InboundRate.of(200, 1))).isFalse();
    }

    @Test
    void theConfigsRateIsItsRateAndBurst() {
        assertThat(RoomcastConfig.defaults().inboundRate()).isEqualTo(InboundRate.of(100, 200));
        assertThat(RoomcastConfig.builder().inboundRatePerSecond(7.5).inboundBurst(3).build().inboundRate())
                .isEqualTo(InboundRate.of(7.5, 3));
    }
}
