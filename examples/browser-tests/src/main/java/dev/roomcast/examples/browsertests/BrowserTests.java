package dev.roomcast.examples.browsertests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs one Node script of the browser-test harness ({@code examples/browser-tests}) as a child process
 * against a running example, so a Java IT can own the server (start it in-process, restart it) while
 * Playwright drives Chromium. The script gets {@code <baseUrl> <screenshotDir>} as arguments; a line
 * {@code @@<request>} it prints is handed to the IT's request handler, whose answer is written back on
 * the script's stdin (how a test asks the JVM to, say, restart the server). Every other line is kept
 * as the run's output. The run is bounded by a timeout, after which the process tree is killed.
 */
public final class BrowserTests {
    /** System property the examples' surefire sets from {@code -DskipBrowserTests}. */
    public static final String SKIP_PROPERTY = "roomcast.skipBrowserTests";

    private static final int MAX_PARENT_STEPS = 6;

    private BrowserTests() {
    }

    /** What a script run ended with: its exit code (or -1 when it timed out) and everything it printed. */
    public record Result(int exitCode, List<String> output) {
        public Result {
            output = List.copyOf(output);
        }

        /** Whether the script exited with 0. */
        public boolean passed() {
            return exitCode == 0;
        }

        /** The output as one text, for an assertion message. */
        public String transcript() {
            return String.join("\n", output);
        }
    }

    /** Whether browser tests are switched off for this build ({@code -DskipBrowserTests=true}). */
    public static boolean skipped() {
        return Boolean.parseBoolean(System.getProperty(SKIP_PROPERTY, "false"));
    }

    /**
     * The harness folder, {@code examples/browser-tests}.
     */
    public static Path harnessDirectory() {
        return repositoryRoot().resolve("examples").resolve("browser-tests");
    }

    /**
     * The repository's root (the folder holding {@code examples/browser-tests}), found from the working
     * directory (a module's base directory under Maven) by walking up at most a few levels.
     */
    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < MAX_PARENT_STEPS && dir != null; i++, dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("examples").resolve("browser-tests").resolve("package.json"))) {
                return dir;
            }
        }
        throw new IllegalStateException("examples/browser-tests not found above " + Path.of("").toAbsolutePath());
    }

    /** Runs {@code tests/<script>} with no request handler (any {@code @@} request is answered {@code unsupported}). */
    public static Result run(String script, String baseUrl, Path screenshotDir, Duration timeout) {
        return run(script, baseUrl, screenshotDir, timeout, request -> "unsupported");
    }

    /**
     * Runs {@code node tests/<script> <baseUrl> <screenshotDir>} in the harness folder and waits for it,
     * at most {@code timeout}. {@code onRequest} answers each {@code @@<request>} line; it runs on the
     * thread reading the script's output, so the script waits for the answer.
     */
    public static Result run(String script, String baseUrl, Path screenshotDir, Duration timeout,
                             Function<String, String> onRequest) {
        Path harness = harnessDirectory();
        Path file = harness.resolve("tests").resolve(script);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no browser test " + file);
        }
        return runNode(harness, List.of(file.toString(), baseUrl, screenshotDir.toAbsolutePath().toString()),
                timeout, onRequest, Map.of());
    }

    /**
     * Runs {@code node <arguments>} in {@code workingDirectory} with the same {@code @@} request protocol
     * and timeout as {@link #run(String, String, Path, Duration, Function)}; for Node scripts outside the
     * harness, such as the browser client's own tests in {@code clients/browser}. {@code environment}
     * is added to the child's environment (e.g. the URL of the server under test).
     */
    public static Result runNode(Path workingDirectory, List<String> arguments, Duration timeout,
                                 Function<String, String> onRequest, Map<String, String> environment) {
        Objects.requireNonNull(onRequest, "onRequest");
        List<String> command = new ArrayList<>();
        command.add("node");
        command.addAll(arguments);
        String script = Path.of(arguments.get(0)).getFileName().toString();
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workingDirectory.toFile())
                .redirectErrorStream(true);
        builder.environment().putAll(environment);
        List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("could not start node (is Node.js 20+ on the PATH?)", e);
        }
        Thread reader = Thread.ofPlatform().daemon().name("browser-test-" + script).start(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 OutputStream stdin = process.getOutputStream()) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("@@")) {
                        String answer = onRequest.apply(line.substring(2));
                        output.add("@@" + line.substring(2) + " -> " + answer);
                        stdin.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
                        stdin.flush();
                    } else {
                        output.add(line);
                    }
                }
            } catch (IOException | RuntimeException e) {
                output.add("[harness] reading the script failed: " + e);
            }
        });
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                reader.join(5_000);
                output.add("[harness] timed out after " + timeout);
                return new Result(-1, output);
            }
            reader.join(5_000);
            return new Result(process.exitValue(), output);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while waiting for " + script, e);
        }
    }
}
