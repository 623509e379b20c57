package dev.roomcast.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a process's CPU time and resident memory from Linux {@code /proc}, so the load generator can
 * attribute CPU seconds and RSS to the server process and to itself without any agent.
 */
public final class ProcStats {
    /** Clock ticks per second of {@code /proc/<pid>/stat}; 100 on every Linux this runs on (USER_HZ). */
    private static final long TICKS_PER_SECOND = 100;

    private ProcStats() {
    }

    /** User plus system CPU time of {@code pid}, in nanoseconds; -1 if it cannot be read. */
    public static long cpuNanos(long pid) {
        try {
            return cpuNanos(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU time of the JIT compiler threads of the JVM {@code pid} (HotSpot names them "C1 CompilerThread"
     * and "C2 CompilerThread"), in nanoseconds; -1 if it cannot be read. While it grows the server is
     * still compiling its hot paths, and a measurement then times the warm-up rather than the code.
     */
    public static long jitCpuNanos(long pid) {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended since the listing
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                    sum += cpuNanos(stat);
                }
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** User plus system CPU time from a {@code stat} line of {@code /proc}. */
    private static long cpuNanos(String stat) {
        // The command name (field 2) may contain spaces; fields after its closing ')' are fixed.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
        return ticks * (1_000_000_000L / TICKS_PER_SECOND);
    }

    /** Resident set size of {@code pid}, in KiB; -1 if it cannot be read. */
    public static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Open file descriptors of {@code pid}; -1 if they cannot be counted. */
    public static int openFiles(long pid) {
        try (var s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) s.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
