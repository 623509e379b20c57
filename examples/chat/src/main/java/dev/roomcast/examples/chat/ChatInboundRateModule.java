package dev.roomcast.examples.chat;

import dagger.Module;
import dagger.Provides;
import dev.roomcast.core.InboundRate;
import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.RoomcastConfig;
import java.util.Map;

/**
 * Publishes the chat's {@link InboundRatePolicy}: a client whose token carries the role
 * {@value #PUBLISHER_ROLE} (a server-side feed, say) may send at {@link ChatSettings#publisherRate()}
 * when one is set; everyone else, and publishers when none is set, at the configured rate
 * ({@code ROOMCAST_INBOUND_RATE}). Alternative: {@link dev.roomcast.core.UniformInboundRateModule}.
 */
@Module
public interface ChatInboundRateModule {

    /** The role whose clients get {@link ChatSettings#publisherRate()}. */
    String PUBLISHER_ROLE = "publisher";

    @Provides
    static InboundRatePolicy inboundRatePolicy(RoomcastConfig config, ChatSettings settings) {
        // snippet:chat-inbound-rates
        InboundRate everyone = config.inboundRate();  // ROOMCAST_INBOUND_RATE, or 100/s with a burst of 200
        return settings.publisherRate()                // ROOMCAST_PUBLISHER_RATE, if set
                .map(publisher -> InboundRatePolicy.byRole(Map.of(PUBLISHER_ROLE, publisher), everyone))
                .orElse(InboundRatePolicy.uniform(everyone));
        // end-snippet
    }
}
