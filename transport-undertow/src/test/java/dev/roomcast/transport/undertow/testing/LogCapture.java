package dev.roomcast.transport.undertow.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Captures log events for one test: a logback {@link ListAppender} on the root logger, with the
 * {@code dev.roomcast} loggers raised to INFO (the test configuration keeps them at WARN). Close it
 * to detach the appender and restore the level.
 */
public final class LogCapture implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger roomcast = (Logger) LoggerFactory.getLogger("dev.roomcast");
    private final Level previous;

    private LogCapture(Level level) {
        previous = roomcast.getLevel();
        appender.setContext(root.getLoggerContext());
        appender.start();
        root.addAppender(appender);
        roomcast.setLevel(level);
    }

    /** Starts capturing Roomcast's lines at INFO and above. */
    public static LogCapture start() {
        return new LogCapture(Level.INFO);
    }

    /** Starts capturing Roomcast's lines at {@code level} and above (DEBUG for the per-connection lines). */
    public static LogCapture start(Level level) {
        return new LogCapture(level);
    }

    /** A snapshot of the events captured so far. */
    public List<ILoggingEvent> events() {
        synchronized (appender) { // AppenderBase.doAppend holds this monitor while adding
            return new ArrayList<>(appender.list);
        }
    }

    /**
     * Every captured line as it could reach a log file: the formatted message, plus each throwable's
     * class and message down the cause chain.
     */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        for (ILoggingEvent e : events()) {
            StringBuilder line = new StringBuilder(e.getLoggerName()).append(' ').append(e.getFormattedMessage());
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                line.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
            }
            out.add(line.toString());
        }
        return out;
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
        roomcast.setLevel(previous);
    }
}
