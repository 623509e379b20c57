package dev.roomcast.core;

import java.time.Instant;

/** The {@link Clock} backed by {@link System}. */
enum SystemClock implements Clock {
    INSTANCE;

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }
}
