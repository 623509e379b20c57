package dev.roomcast.transport.undertow.testing;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts live threads by name prefix, virtual threads included. {@code Thread.getAllStackTraces()}
 * does not list virtual threads, so this reads the JDK's JSON thread dump (which lists every thread
 * the JDK tracks; {@code jdk.trackAllThreads} is on by default).
 */
public final class ThreadCensus {
    private static final HotSpotDiagnosticMXBean DIAGNOSTICS =
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);

    private ThreadCensus() {
    }

    /** Live threads whose name starts with {@code prefix}. */
    public static int countNamed(String prefix) {
        Path dir = null;
        Path dump = null;
        try {
            dir = Files.createTempDirectory("roomcast-threads");
            dump = dir.resolve("threads.json");
            DIAGNOSTICS.dumpThreads(dump.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            Matcher m = Pattern.compile("\"name\"\\s*:\\s*\"" + Pattern.quote(prefix)).matcher(Files.readString(dump));
            int n = 0;
            while (m.find()) {
                n++;
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                if (dump != null) {
                    Files.deleteIfExists(dump);
                }
                if (dir != null) {
                    Files.deleteIfExists(dir);
                }
            } catch (IOException ignored) {
                // a leftover temp file does not affect the count
            }
        }
    }
}
