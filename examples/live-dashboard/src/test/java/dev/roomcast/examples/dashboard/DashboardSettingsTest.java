package dev.roomcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.roomcast.core.ConfigSources;
import dev.roomcast.core.InvalidConfigException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class DashboardSettingsTest {

    @Test
    void defaultsAreFiftyTicksASecondOfSixSeriesWithAlertsAtOnePercent() {
        DashboardSettings d = DashboardSettings.defaults();

        assertThat(d.ticksPerSecond()).isEqualTo(50);
        assertThat(d.series()).extracting(Series::name).containsExactly("EURUSD", "GBPUSD", "BTCUSD", "ETHUSD", "GOLD", "SP500");
        assertThat(d.alertPercent()).isEqualTo(1.0);
        assertThat(d.seed()).isEmpty();
    }

    @Test
    void theFeedRateIsAcceptedFrom1To1000AndRefusedJustOutside() {
        DashboardSettings d = DashboardSettings.defaults();
        assertThat(d.withTicksPerSecond(1).ticksPerSecond()).isEqualTo(1);
        assertThat(d.withTicksPerSecond(1000).ticksPerSecond()).isEqualTo(1000);
        assertThatIllegalArgumentException().isThrownBy(() -> d.withTicksPerSecond(0))
                .withMessage("ticksPerSecond: expected 1..1000 but was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> d.withTicksPerSecond(1001))
                .withMessage("ticksPerSecond: expected 1..1000 but was 1001");
    }

    @Test
    void theSeriesCountIsAcceptedFrom1To2000AndRefusedJustOutside() {
        DashboardSettings d = DashboardSettings.defaults();
        assertThat(d.withSeriesCount(1).series()).extracting(Series::name).containsExactly("EURUSD");
        List<Series> most = d.withSeriesCount(DashboardSettings.MAX_SERIES).series();
        assertThat(most).hasSize(2000);
        assertThat(most.get(6).name()).isEqualTo("S0007");
        assertThat(most.getLast().name()).isEqualTo("S2000");
        assertThatIllegalArgumentException().isThrownBy(() -> d.withSeriesCount(0))
                .withMessage("series: expected 1..2000 but was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> d.withSeriesCount(2001))
                .withMessage("series: expected 1..2000 but was 2001");
    }

    @Test
    void seriesNamesMustBeUnique() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new DashboardSettings(50, List.of(Series.of("A", 1, 0.01), Series.of("A", 2, 0.01)), 1,
                        java.util.Optional.empty()))
                .withMessage("series: expected unique names but some repeat");
    }

    @Test
    void aSeriesRefusesANameItCouldNotCarryAsAJsonKeyPlainlyAndAVolatilityAboveTenPercent() {
        assertThatIllegalArgumentException().isThrownBy(() -> Series.of("eur usd", 1, 0.01))
                .withMessage("name: expected 1 to 16 of A-Z and 0-9 but was 'eur usd'");
        assertThat(Series.of("X", 1, 0.1).volatility()).isEqualTo(0.1);
        assertThatIllegalArgumentException().isThrownBy(() -> Series.of("X", 1, 0.1001))
                .withMessage("volatility: expected (0, 0.1] but was 0.1001");
    }

    @Test
    void aBadFeedSettingInTheEnvironmentFailsTheStartNamingIt() {
        ConfigSources env = new ConfigSources(Map.of("ROOMCAST_PORT", "0", "ROOMCAST_FEED_RATE", "5000"), Map.of());

        Assertions.assertThatThrownBy(() -> DashboardServer.start(env, new PrintStream(OutputStream.nullOutputStream())))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("ticksPerSecond: expected 1..1000 but was 5000");
    }
}
