package dev.roomcast.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.Identity;
import dev.roomcast.core.RoomAccessRequest;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class PasswordRoomAuthorizerTest {
    private static final int FAST_COST = 4;
    private static final RoomName VAULT = RoomName.of("vault");
    private static final RoomName LOBBY = RoomName.of("lobby");
    private static final String PASSWORD = "correct horse battery staple";
    private static final String ADDRESS = "203.0.113.7";
    private static final Duration WINDOW = Duration.ofMinutes(1);

    private final FakeClock clock = new FakeClock();
    private final PasswordRoomAuthorizer authorizer = new PasswordRoomAuthorizer(FAST_COST, GuessLimit.of(5, WINDOW), clock);

    @BeforeEach
    void protectTheVault() {
        authorizer.setPassword(VAULT, PASSWORD);
    }

    private RoomDecision join(RoomName room, String password, String address) {
        return authorizer.authorize(new RoomAccessRequest(Identity.of("alice"), room, Optional.ofNullable(password), address));
    }

    private RoomDecision join(String password) {
        return join(VAULT, password, ADDRESS);
    }

    private void failTimes(int times) {
        for (int i = 0; i < times; i++) {
            assertThat(join("guess-" + i)).isInstanceOf(RoomDecision.Denied.class);
        }
    }

    private static ErrorCode codeOf(RoomDecision decision) {
        assertThat(decision).isInstanceOf(RoomDecision.Denied.class);
        return ((RoomDecision.Denied) decision).code();
    }

    @Test
    void rightPasswordIsAllowed() {
        assertThat(join(PASSWORD)).isInstanceOf(RoomDecision.Allowed.class);
    }

    @Test
    void wrongPasswordIsForbiddenWithAReasonThatDoesNotContainIt() {
        RoomDecision decision = join("hunter2");

        assertThat(decision).isEqualTo(RoomDecision.forbidden("wrong room password"));
        assertThat(decision.toString()).doesNotContain("hunter2").doesNotContain(PASSWORD);
    }

    @Test
    void protectedRoomWithoutAPasswordIsForbidden() {
        assertThat(join(null)).isEqualTo(RoomDecision.forbidden("room password required"));
    }

    @Test
    void unprotectedRoomIsAllowedWithOrWithoutAPassword() {
        assertThat(join(LOBBY, null, ADDRESS)).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(join(LOBBY, "anything", ADDRESS)).isInstanceOf(RoomDecision.Allowed.class);
    }

    @Test
    void fourWrongPasswordsLeaveTheFifthAttemptToBeChecked() {
        failTimes(4);

        assertThat(join(PASSWORD)).isInstanceOf(RoomDecision.Allowed.class);
    }

    @Test
    void afterFiveWrongPasswordsEvenTheRightOneIsRateLimited() {
        failTimes(5);

        assertThat(codeOf(join(PASSWORD))).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(codeOf(join(null))).isEqualTo(ErrorCode.RATE_LIMITED);
    }

    @Test
    void throttleIsReleasedOnceTheWindowHasPassed() {
        failTimes(5);

        clock.advance(WINDOW.minusMillis(1));
        assertThat(codeOf(join(PASSWORD))).isEqualTo(ErrorCode.RATE_LIMITED);

        clock.advance(Duration.ofMillis(1));
        assertThat(join(PASSWORD)).isInstanceOf(RoomDecision.Allowed.class);
    }

    @Test
    void throttleOfOneAddressLeavesOtherAddressesAndOtherRoomsAlone() {
        RoomName safe = RoomName.of("safe");
        authorizer.setPassword(safe, PASSWORD);
        failTimes(5);

        assertThat(join(VAULT, PASSWORD, "198.51.100.9")).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(join(safe, PASSWORD, ADDRESS)).isInstanceOf(RoomDecision.Allowed.class);
    }

    @Test
    void joinsWithoutAPasswordAreNotCountedAsGuesses() {
        for (int i = 0; i < 10; i++) {
            assertThat(codeOf(join(null))).isEqualTo(ErrorCode.ROOM_FORBIDDEN);
        }

        assertThat(join(PASSWORD)).isInstanceOf(RoomDecision.Allowed.class);
    }

    @Test
    void rightPasswordClearsEarlierFailuresOfThatAddress() {
        failTimes(4);
        assertThat(join(PASSWORD)).isInstanceOf(RoomDecision.Allowed.class);

        failTimes(4);
        assertThat(join(PASSWORD)).isInstanceOf(RoomDecision.Allowed.class);
    }

    @Test
    void parallelGuessesCannotGetPastTheLimit() throws Exception {
        List<Future<RoomDecision>> decisions = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 20; i++) {
                String guess = "parallel-" + i;
                decisions.add(executor.submit(() -> join(guess)));
            }
        }
        List<ErrorCode> codes = new ArrayList<>();
        for (Future<RoomDecision> decision : decisions) {
            codes.add(codeOf(decision.get(5, TimeUnit.SECONDS)));
        }

        assertThat(codes).filteredOn(ErrorCode.ROOM_FORBIDDEN::equals).hasSize(5);
        assertThat(codes).filteredOn(ErrorCode.RATE_LIMITED::equals).hasSize(15);
    }

    @Test
    void newJoinsUseTheNewPasswordAfterAChange() {
        assertThat(join(PASSWORD)).isInstanceOf(RoomDecision.Allowed.class);

        authorizer.setPassword(VAULT, "new password");

        // The authorizer keeps no member state: earlier admissions are untouched, only new joins are checked anew.
        assertThat(join(PASSWORD)).isEqualTo(RoomDecision.forbidden("wrong room password"));
        assertThat(join("new password")).isInstanceOf(RoomDecision.Allowed.class);
    }

    @Test
    void removingThePasswordOpensTheRoom() {
        assertThat(authorizer.removePassword(VAULT)).isTrue();

        assertThat(join(null)).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(authorizer.removePassword(VAULT)).isFalse();
        assertThat(authorizer.passwordHash(VAULT)).isEmpty();
    }

    @Test
    void storedHashIsASaltedBcryptHashAndNotThePassword() {
        authorizer.setPassword(LOBBY, PASSWORD);
        String hash = authorizer.passwordHash(VAULT).orElseThrow();

        assertThat(hash).startsWith("$2y$04$").hasSize(60).doesNotContain(PASSWORD);
        assertThat(authorizer.passwordHash(LOBBY)).get().isNotEqualTo(hash);
        assertThat(OpenBSDBCrypt.checkPassword(hash, PASSWORD.toCharArray())).isTrue();
    }

    @Test
    void hashMadeElsewhereCanProtectARoom() {
        String hash = OpenBSDBCrypt.generate("from-config".toCharArray(), new byte[16], FAST_COST);
        authorizer.setPasswordHash(LOBBY, hash);

        assertThat(join(LOBBY, "from-config", ADDRESS)).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(join(LOBBY, "other", ADDRESS)).isInstanceOf(RoomDecision.Denied.class);
        assertThatThrownBy(() -> authorizer.setPasswordHash(LOBBY, "plain-text"))
                .hasMessageStartingWith("bcryptHash: expected a bcrypt hash");
    }

    @Test
    void passwordsLongerThanBcryptReadsAreRefusedAndCannotBeExtendedToMatch() {
        String max = "p".repeat(72);
        authorizer.setPassword(LOBBY, max);

        assertThat(join(LOBBY, max, ADDRESS)).isInstanceOf(RoomDecision.Allowed.class);
        assertThat(join(LOBBY, max + "extra", ADDRESS)).isEqualTo(RoomDecision.forbidden("wrong room password"));
        assertThatThrownBy(() -> authorizer.setPassword(LOBBY, max + "p"))
                .hasMessage("password: expected 1..72 bytes in UTF-8 (the bcrypt limit) but was 73");
        assertThatThrownBy(() -> authorizer.setPassword(LOBBY, ""))
                .hasMessage("password: expected 1..72 bytes in UTF-8 (the bcrypt limit) but was 0");
    }

    @Test
    void costOutsideTheBcryptRangeIsRefused() {
        assertThatThrownBy(() -> new PasswordRoomAuthorizer(3, GuessLimit.defaults(), clock)).hasMessage("cost: expected 4..31 but was 3");
        assertThatThrownBy(() -> new PasswordRoomAuthorizer(32, GuessLimit.defaults(), clock)).hasMessage("cost: expected 4..31 but was 32");
    }

    @Test
    void defaultsAreCostTenAndFiveGuessesPerMinute() {
        PasswordRoomAuthorizer defaults = new PasswordRoomAuthorizer(clock);
        defaults.setPassword(VAULT, PASSWORD);

        assertThat(defaults.passwordHash(VAULT)).get().asString().startsWith("$2y$10$");
        assertThat(GuessLimit.defaults()).isEqualTo(new GuessLimit(5, Duration.ofMinutes(1), 10_000));
    }

    @Test
    void passwordHashingCountsAsBlocking() {
        assertThat(authorizer.mayBlock()).isTrue();
    }

    @Test
    void onlyAPasswordSentForAProtectedRoomMayBlock() {
        assertThat(authorizer.mayBlock(request(VAULT, PASSWORD))).as("a hash to check").isTrue();
        assertThat(authorizer.mayBlock(request(VAULT, null))).as("refused from memory").isFalse();
        assertThat(authorizer.mayBlock(request(LOBBY, PASSWORD))).as("an open room ignores the password").isFalse();
        assertThat(authorizer.mayBlock(request(LOBBY, null))).isFalse();
    }

    private static RoomAccessRequest request(RoomName room, String password) {
        return new RoomAccessRequest(Identity.of("alice"), room, Optional.ofNullable(password), ADDRESS);
    }
}
