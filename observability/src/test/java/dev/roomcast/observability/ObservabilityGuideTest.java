package dev.roomcast.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Keeps the operators' guide ({@code docs-site/src/content/docs/guides/observability.mdx}) equal to the
 * code: its meter table must be exactly the table {@link RoomcastMeter} generates, row for row. On a
 * mismatch the failure prints the table to paste between the page's markers.
 */
class ObservabilityGuideTest {
    static final Path GUIDE = Path.of("..", "docs-site", "src", "content", "docs", "guides", "observability.mdx");
    private static final String BEGIN = "{/* meters:begin (generated from RoomcastMeter; ObservabilityGuideTest checks it) */}";
    private static final String END = "{/* meters:end */}";

    /** The Markdown table of every meter, as the guide must show it. */
    static String expectedTable() {
        List<String> rows = new ArrayList<>();
        rows.add("| Meter | Type | Labels | Meaning |");
        rows.add("| --- | --- | --- | --- |");
        for (RoomcastMeter meter : RoomcastMeter.values()) {
            String type = switch (meter.kind()) {
                case COUNTER -> "counter";
                case GAUGE -> "gauge";
                case TIMER -> "histogram (seconds)";
                case SUMMARY -> meter.baseUnit().isEmpty() ? "histogram" : "histogram (" + meter.baseUnit() + ")";
            };
            List<String> labels = new ArrayList<>(meter.labels().stream().map(l -> "`" + l + "`").toList());
            if (meter.acceptsRoomLabel()) {
                labels.add("(`room`)");
            }
            rows.add("| `" + meter.prometheusName() + "` | " + type + " | "
                    + (labels.isEmpty() ? "—" : String.join(", ", labels)) + " | " + meter.description() + " |");
        }
        return String.join("\n", rows);
    }

    @Test
    void theGuidesMeterTableIsTheOneTheCodeGenerates() throws IOException {
        String page = Files.readString(GUIDE, StandardCharsets.UTF_8);
        int begin = page.indexOf(BEGIN);
        int end = page.indexOf(END);
        assertThat(begin).as("the guide has the marker %s", BEGIN).isNotNegative();
        assertThat(end).as("the guide has the marker %s", END).isGreaterThan(begin);
        String table = page.substring(begin + BEGIN.length(), end).strip();

        assertThat(table).as("the meter table in %s; paste this between the markers:%n%s%n", GUIDE, expectedTable())
                .isEqualTo(expectedTable());
    }

    @Test
    void theGuideNamesEverySpanAttributeAndMdcKey() throws IOException {
        String page = Files.readString(GUIDE, StandardCharsets.UTF_8);
        List<String> names = List.of(TracingListener.CONNECTION_ID.getKey(), TracingListener.OUTCOME.getKey(),
                TracingListener.ERROR_CODE.getKey(), TracingListener.AUTH_FAILURE.getKey(),
                TracingListener.HTTP_STATUS.getKey(), TracingListener.EVENT_TYPE.getKey(), TracingListener.ROOM.getKey(),
                TracingListener.MESSAGE_SIZE.getKey(), TracingListener.RECIPIENTS.getKey(),
                TracingListener.ENQUEUED.getKey(), TracingListener.DROPPED.getKey(), TracingListener.CLOSED.getKey(),
                TracingListener.TIMED_OUT.getKey(), TracingListener.REJECTED.getKey(),
                TracingListener.MDC_TRACE_ID, TracingListener.MDC_SPAN_ID, "connectionId",
                PrometheusMetrics.METRICS_PATH, HealthRoutes.HEALTH_PATH, HealthRoutes.READY_PATH);
        List<String> missing = names.stream().filter(n -> !page.contains("`" + n + "`")).collect(Collectors.toList());
        assertThat(missing).as("names the guide does not mention (in backticks)").isEmpty();
    }
}
