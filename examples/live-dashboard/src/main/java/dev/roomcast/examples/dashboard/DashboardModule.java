package dev.roomcast.examples.dashboard;

import dagger.Module;
import dagger.Provides;
import dagger.multibindings.ElementsIntoSet;
import dagger.multibindings.IntoSet;
import dev.roomcast.core.Clock;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.HttpRoute;
import dev.roomcast.core.HubListener;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.hub.Hub;
import jakarta.inject.Singleton;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Publishes what makes the service a dashboard: the {@link Feed} (the server-side publisher), the
 * {@link LatestValues} it keeps, the {@link SnapshotOnJoin} hub listener, the page route at {@code /},
 * a {@link RoomAuthorizer} that opens the {@code feed} and {@code alerts} rooms and no other, and an
 * {@link EventRouter} with no events of its own (viewers only listen).
 */
@Module
public interface DashboardModule {

    @Provides
    @Singleton
    static LatestValues latestValues(DashboardSettings settings, Clock clock) {
        return new LatestValues(Feed.opening(settings, clock));
    }

    @Provides
    @Singleton
    static Feed feed(Hub hub, EnvelopeCodec codec, Clock clock, DashboardSettings settings, LatestValues latest) {
        return new Feed(hub, codec, clock, settings, latest);
    }

    @Provides
    @IntoSet
    static HubListener snapshotOnJoin(LatestValues latest, EnvelopeCodec codec) {
        return new SnapshotOnJoin(latest, codec);
    }

    @Provides
    @ElementsIntoSet
    static Set<HttpRoute> pageRoutes() {
        return new LinkedHashSet<>(new DashboardPage().routes());
    }

    @Provides
    @Singleton
    static RoomAuthorizer roomAuthorizer() {
        return new RoomAuthorizer() {
            @Override
            public RoomDecision authorize(dev.roomcast.core.RoomAccessRequest request) {
                return Feed.FEED.equals(request.room()) || Feed.ALERTS.equals(request.room()) ? RoomDecision.allowed()
                        : RoomDecision.forbidden("the dashboard has the rooms feed and alerts only");
            }

            @Override
            public boolean mayBlock() {
                return false;
            }
        };
    }

    @Provides
    @Singleton
    static EventRouter router() {
        return EventRouter.builder().build();
    }
}
