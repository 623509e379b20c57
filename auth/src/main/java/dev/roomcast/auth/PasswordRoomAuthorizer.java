package dev.roomcast.auth;

import dev.roomcast.auth.internal.FailedAttempts;
import dev.roomcast.core.Clock;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.RoomAccessRequest;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomName;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Lets a client into a password-protected room only with the room's password, while rooms without a
 * password stay open to everyone. Passwords are kept only as bcrypt hashes (BouncyCastle's
 * {@code OpenBSDBCrypt}, random salt, cost 10 by default) and checked with the library's constant-time
 * comparison. They are checked only when a client joins: {@link #setPassword} and
 * {@link #removePassword} apply to the next join and never affect members already in the room. Wrong
 * guesses are throttled per room and client address as {@link GuessLimit} says; a throttled attempt
 * gets {@code RATE_LIMITED} without its password being checked, even a right one. A join with no
 * password is {@code ROOM_FORBIDDEN} but is not counted as a guess. Reasons never contain a password
 * and nothing is logged. Each check runs one bcrypt computation on the calling thread (tens of
 * milliseconds at cost 10), so put cheaper authorizers first in {@link RoomAuthorizers#allOf}.
 * Thread-safe.
 */
public final class PasswordRoomAuthorizer implements RoomAuthorizer {
    /** Default bcrypt cost (log2 of the rounds). */
    public static final int DEFAULT_COST = 10;
    /** Lowest accepted cost; useful for fast tests only. */
    public static final int MIN_COST = 4;
    /** Highest cost bcrypt supports. */
    public static final int MAX_COST = 31;
    /** Longest password, in UTF-8 bytes: bcrypt ignores everything after byte 72, so longer ones are refused. */
    public static final int MAX_PASSWORD_BYTES = 72;

    private static final Pattern BCRYPT_HASH = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");

    private final int cost;
    private final FailedAttempts<GuessKey> failures;
    private final SecureRandom random = new SecureRandom();
    /** bcrypt hash per protected room; replaced whole by set/remove, read by any joining thread. */
    private final Map<RoomName, String> hashes = new ConcurrentHashMap<>();

    /** An authorizer hashing with bcrypt {@code cost} ({@value #MIN_COST}..{@value #MAX_COST}) and throttling as {@code guessLimit} says. */
    public PasswordRoomAuthorizer(int cost, GuessLimit guessLimit, Clock clock) {
        if (cost < MIN_COST || cost > MAX_COST) {
            throw new IllegalArgumentException("cost: expected " + MIN_COST + ".." + MAX_COST + " but was " + cost);
        }
        Objects.requireNonNull(guessLimit, "guessLimit");
        this.cost = cost;
        this.failures = new FailedAttempts<>(guessLimit.maxFailures(), guessLimit.window(), guessLimit.maxTrackedKeys(), clock);
    }

    /** An authorizer with cost {@value #DEFAULT_COST} and {@link GuessLimit#defaults()}. */
    public PasswordRoomAuthorizer(Clock clock) {
        this(DEFAULT_COST, GuessLimit.defaults(), clock);
    }

    /**
     * Protects {@code room} with {@code password} (1 to {@value #MAX_PASSWORD_BYTES} UTF-8 bytes),
     * replacing any previous password. Only its bcrypt hash is kept. Takes one bcrypt computation.
     */
    public void setPassword(RoomName room, String password) {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(password, "password");
        int bytes = password.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > MAX_PASSWORD_BYTES) {
            throw new IllegalArgumentException("password: expected 1.." + MAX_PASSWORD_BYTES
                    + " bytes in UTF-8 (the bcrypt limit) but was " + bytes);
        }
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        hashes.put(room, OpenBSDBCrypt.generate(password.toCharArray(), salt, cost));
    }

    /**
     * Protects {@code room} with an existing bcrypt hash ({@code $2a$}, {@code $2b$} or {@code $2y$}),
     * for applications that store hashes rather than passwords.
     */
    public void setPasswordHash(RoomName room, String bcryptHash) {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(bcryptHash, "bcryptHash");
        if (!BCRYPT_HASH.matcher(bcryptHash).matches()) {
            throw new IllegalArgumentException("bcryptHash: expected a bcrypt hash such as $2y$10$ followed by 53 characters");
        }
        hashes.put(room, bcryptHash);
    }

    /** Opens {@code room} to everyone again; returns whether it had a password. */
    public boolean removePassword(RoomName room) {
        return hashes.remove(Objects.requireNonNull(room, "room")) != null;
    }

    /** The bcrypt hash protecting {@code room}, if any, for applications that persist it. */
    public Optional<String> passwordHash(RoomName room) {
        return Optional.ofNullable(hashes.get(room));
    }

    /** Allows when the room has no password or the request carries it; otherwise denies as described above. */
    @Override
    public RoomDecision authorize(RoomAccessRequest request) {
        String hash = hashes.get(request.room());
        if (hash == null) {
            return RoomDecision.allowed();
        }
        GuessKey key = new GuessKey(request.room(), request.clientAddress());
        if (request.password().isEmpty()) {
            return failures.isBlocked(key) ? throttled() : RoomDecision.forbidden("room password required");
        }
        if (!failures.tryBegin(key)) {
            return throttled();
        }
        if (!matches(hash, request.password().get())) {
            return RoomDecision.forbidden("wrong room password");
        }
        failures.succeeded(key);
        return RoomDecision.allowed();
    }

    /**
     * Only a password sent for a room that has one costs a bcrypt check (tens of milliseconds); every
     * other request is decided from memory, so it may be decided on the I/O thread.
     */
    @Override
    public boolean mayBlock(RoomAccessRequest request) {
        return request.password().isPresent() && hashes.containsKey(request.room());
    }

    private static RoomDecision throttled() {
        return new RoomDecision.Denied(ErrorCode.RATE_LIMITED, "too many wrong room passwords from this address");
    }

    private static boolean matches(String hash, String password) {
        // bcrypt would ignore bytes past 72, letting "right password + anything" in; such input is simply wrong.
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
            return false;
        }
        return OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
    }

    /** Throttling is per room and per address, so one noisy address neither locks out others nor other rooms. */
    private record GuessKey(RoomName room, String clientAddress) {
    }
}
