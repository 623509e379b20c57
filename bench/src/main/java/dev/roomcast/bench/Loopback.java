package dev.roomcast.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The only network the benchmarks may touch: 127.0.0.0/8. Every target and source address passes
 * through here, and anything outside loopback is refused before a socket is opened.
 */
public final class Loopback {
    /** Most distinct source addresses (127.0.0.1 .. 127.0.0.250) the client spreads connections over. */
    public static final int MAX_SOURCE_ADDRESSES = 250;

    private Loopback() {
    }

    /** Resolves {@code host} and returns it only if it is an IPv4 loopback address (127.0.0.0/8). */
    public static InetAddress requireLoopback(String host) {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("target: expected an address in 127.0.0.0/8 but '" + host + "' does not resolve");
        }
        return requireLoopback(address);
    }

    /** Returns {@code address} only if it is in 127.0.0.0/8; throws otherwise. */
    public static InetAddress requireLoopback(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length != 4 || (b[0] & 0xFF) != 127) {
            throw new IllegalArgumentException("target: expected an address in 127.0.0.0/8 but was " + address.getHostAddress()
                    + "; the benchmark refuses every non-loopback target");
        }
        return address;
    }

    /** A loopback target, checked. */
    public static InetSocketAddress target(String host, int port) {
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port: expected 1..65535 but was " + port);
        }
        return new InetSocketAddress(requireLoopback(host), port);
    }

    /**
     * Source addresses 127.0.0.1 .. 127.0.0.{@code count}: binding connections round-robin over them
     * gives each its own ephemeral port range, so many connections (and TIME_WAIT sockets) fit.
     */
    public static List<InetAddress> sourceAddresses(int count) {
        if (count < 1 || count > MAX_SOURCE_ADDRESSES) {
            throw new IllegalArgumentException("sourceAddresses: expected 1.." + MAX_SOURCE_ADDRESSES + " but was " + count);
        }
        List<InetAddress> out = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            try {
                out.add(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) i}));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }
}
