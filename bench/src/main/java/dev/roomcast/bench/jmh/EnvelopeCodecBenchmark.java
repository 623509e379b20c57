package dev.roomcast.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.core.DecodeResult;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.Frame;
import dev.roomcast.core.RoomName;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The envelope codec on the publish path: decoding a client's {@code publish}, encoding the {@code message} sent to members. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class EnvelopeCodecBenchmark {
    /** A publish with a 64-byte payload, as the load generator sends it. */
    static final String PUBLISH =
            "{\"type\":\"publish\",\"room\":\"fanout\",\"payload\":{\"seq\":123456,\"ts\":987654321012345,\"pad\":\"xxxxxxxxxxxxxxxxx\"}}";

    private EnvelopeCodec codec;
    private Envelope message;

    @Setup
    public void setUp() {
        codec = new EnvelopeCodec(1 << 20);
        JsonNode payload = ((DecodeResult.Decoded) codec.decode(PUBLISH)).envelope().payload();
        message = Envelope.toRoom("message", RoomName.of("fanout"), payload).withFrom("publisher");
    }

    @Benchmark
    public DecodeResult decodePublish() {
        return codec.decode(PUBLISH);
    }

    @Benchmark
    public Frame encodeMessage() {
        return codec.encode(message);
    }
}
