package dev.roomcast.hub;

import dev.roomcast.core.WriterThread;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A room's members as of one membership version, grouped by the writer thread that writes their
 * queues: what a large room's broadcast hands to each writer thread ({@link ShardedFanout}), plus
 * the members whose transport offers no writer thread, to whom the lane sends itself. Immutable;
 * built on the room's lane after a change, so a room whose membership is steady groups its members
 * once, not per broadcast.
 *
 * @param version  the room's membership version this plan reflects
 * @param size     members in all
 * @param threads  the writer threads, one per group
 * @param groups   {@code groups[i]} are the members written by {@code threads[i]}
 * @param direct   members without a writer thread
 */
record FanoutPlan(int version, int size, WriterThread[] threads, Member[][] groups, Member[] direct) {

    private static final Member[] NONE = {};

    static FanoutPlan of(int version, Collection<Member> members) {
        Map<WriterThread, List<Member>> byThread = new IdentityHashMap<>();
        List<Member> direct = new ArrayList<>();
        int size = 0;
        for (Member m : members) {
            size++;
            WriterThread t = m.writerThread();
            if (t == null) {
                direct.add(m);
            } else {
                byThread.computeIfAbsent(t, k -> new ArrayList<>()).add(m);
            }
        }
        WriterThread[] threads = new WriterThread[byThread.size()];
        Member[][] groups = new Member[byThread.size()][];
        int i = 0;
        for (Map.Entry<WriterThread, List<Member>> e : byThread.entrySet()) {
            threads[i] = e.getKey();
            groups[i] = e.getValue().toArray(NONE);
            i++;
        }
        return new FanoutPlan(version, size, threads, groups, direct.isEmpty() ? NONE : direct.toArray(NONE));
    }
}
