package dev.roomcast.bench.jmh;

import dev.roomcast.auth.Hs256TokenAuthenticator;
import dev.roomcast.auth.TokenCachePolicy;
import dev.roomcast.auth.TokenMinter;
import dev.roomcast.auth.TokenRules;
import dev.roomcast.bench.server.Hs256Signature;
import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Clock;
import dev.roomcast.core.TokenCacheListener;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
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

/**
 * Token verification at the upgrade: Roomcast's {@link Hs256TokenAuthenticator} verifying in full
 * (parsing, signature and claims, all by nimbus-jose-jwt; its cache off), the same authenticator
 * answering a token it has seen from its cache of verified tokens (the default), and the raw
 * baselines' JDK-only signature check.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class TokenVerifyBenchmark {
    private Hs256TokenAuthenticator authenticator;
    private Hs256TokenAuthenticator cached;
    private Hs256Signature signatureOnly;
    private String token;

    @Setup
    public void setUp() {
        byte[] secret = "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        authenticator = new Hs256TokenAuthenticator(secret, TokenRules.defaults(), TokenCachePolicy.disabled(),
                TokenCacheListener.none(), Clock.system());
        cached = new Hs256TokenAuthenticator(secret, TokenRules.defaults(), TokenCachePolicy.defaults(),
                TokenCacheListener.none(), Clock.system());
        signatureOnly = new Hs256Signature(secret);
        token = new TokenMinter(secret).mint("user-42", Optional.of("Ada"), Set.of("member"), Duration.ofHours(1));
        if (!(authenticator.authenticate(token) instanceof AuthResult.Authenticated)
                || !(cached.authenticate(token) instanceof AuthResult.Authenticated) || !signatureOnly.verify(token)) {
            throw new IllegalStateException("the token does not verify");
        }
    }

    @Benchmark
    public AuthResult roomcastHs256() {
        return authenticator.authenticate(token);
    }

    /** The token was accepted in set-up, so every call is a cache hit. */
    @Benchmark
    public AuthResult roomcastHs256Cached() {
        return cached.authenticate(token);
    }

    @Benchmark
    public boolean jdkSignatureOnly() {
        return signatureOnly.verify(token);
    }
}
