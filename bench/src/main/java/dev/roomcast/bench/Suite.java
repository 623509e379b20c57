package dev.roomcast.bench;

import dev.roomcast.bench.scenario.Options;

/** Placeholder, filled in below. */
final class Suite {
    private Suite() {
    }

    static void main(Options options) {
        throw new UnsupportedOperationException("suite");
    }
}
