package dev.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RoomDecisionTest {
    @Test
    void anAllowedDecisionLetsTheMemberPublishUnlessItSaysSubscribeOnly() {
        assertThat(RoomDecision.allowed()).isEqualTo(new RoomDecision.Allowed(RoomAccess.PUBLISH));
        assertThat(((RoomDecision.Allowed) RoomDecision.allowed()).access().mayPublish()).isTrue();
        assertThat(RoomDecision.subscribeOnly()).isEqualTo(new RoomDecision.Allowed(RoomAccess.SUBSCRIBE));
        assertThat(((RoomDecision.Allowed) RoomDecision.subscribeOnly()).access().mayPublish()).isFalse();
    }

    @Test
    void theNoArgumentAllowedOfEarlierAuthorizersStillGrantsPublish() {
        assertThat(new RoomDecision.Allowed().access()).isEqualTo(RoomAccess.PUBLISH);
        assertThat(RoomAuthorizer.allowAll().authorize(new RoomAccessRequest(Identity.of("alice"),
                RoomName.of("lobby"), java.util.Optional.empty(), "127.0.0.1")))
                .isEqualTo(new RoomDecision.Allowed(RoomAccess.PUBLISH));
    }

    @Test
    void anAllowedDecisionNeedsAnAccess() {
        assertThatThrownBy(() -> new RoomDecision.Allowed(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void theNarrowestOfTwoAccessesIsSubscribeWhenEitherIs() {
        assertThat(RoomAccess.PUBLISH.narrowest(RoomAccess.PUBLISH)).isEqualTo(RoomAccess.PUBLISH);
        assertThat(RoomAccess.PUBLISH.narrowest(RoomAccess.SUBSCRIBE)).isEqualTo(RoomAccess.SUBSCRIBE);
        assertThat(RoomAccess.SUBSCRIBE.narrowest(RoomAccess.PUBLISH)).isEqualTo(RoomAccess.SUBSCRIBE);
        assertThat(RoomAccess.SUBSCRIBE.narrowest(RoomAccess.SUBSCRIBE)).isEqualTo(RoomAccess.SUBSCRIBE);
    }

    @Test
    void publishForbiddenIsA403WithAMessageThatNamesTheRightNotTheRoom() {
        assertThat(ErrorCode.PUBLISH_FORBIDDEN.httpStatus()).isEqualTo(403);
        assertThat(ErrorCode.PUBLISH_FORBIDDEN.safeMessage()).contains("not publish");
    }
}
