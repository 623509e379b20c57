package dev.roomcast.examples.dashboard;

import dagger.BindsInstance;
import dagger.Component;
import dev.roomcast.core.CoreModule;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.UniformInboundRateModule;
import dev.roomcast.hub.HubModule;
import dev.roomcast.hub.InProcessClusterBusModule;
import dev.roomcast.observability.ObservabilityModule;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.UndertowTransportModule;
import jakarta.inject.Singleton;

/**
 * The live dashboard as one Dagger component: core, the hub on the in-process bus, the Undertow
 * transport with one inbound rate for every viewer, observability ({@code /metrics}, {@code /health},
 * {@code /ready}) and the dashboard's own module (the feed, the snapshot on join, the page, the rooms).
 * No token authenticator is bound: viewers connect anonymously ({@code allowUnauthenticated}).
 * Every binding is listed here; nothing is discovered.
 */
@Singleton
// snippet:dashboard-component
@Component(modules = {
        CoreModule.class,
        HubModule.class,
        InProcessClusterBusModule.class,
        UndertowTransportModule.class,
        UniformInboundRateModule.class,
        ObservabilityModule.class,  // roomcast_send_refused_total{behavior="drop"} counts the feed's drops
        DashboardModule.class})     // Feed, SnapshotOnJoin, the page at /, rooms feed and alerts
// end-snippet
public interface DashboardServerComponent {

    /** The server, not yet started. */
    RoomcastServer server();

    /** The feed, not yet started. */
    Feed feed();

    /** Builds the component from its inputs. */
    @Component.Factory
    interface Factory {
        DashboardServerComponent create(@BindsInstance RoomcastConfig config, @BindsInstance DashboardSettings settings);
    }

    /** Builds the dashboard for {@code config} and {@code settings}. */
    static DashboardServerComponent create(RoomcastConfig config, DashboardSettings settings) {
        return DaggerDashboardServerComponent.factory().create(config, settings);
    }
}
