package dev.roomcast.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.RoomName;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MemberTest {
    private static final RoomName LOBBY = RoomName.of("lobby");
    private static final RoomName ATTIC = RoomName.of("attic");
    private static final RoomName CELLAR = RoomName.of("cellar");

    private final EnvelopeCodec codec = new EnvelopeCodec(1 << 20);
    private final FakeClock clock = new FakeClock();

    private Member member(String id) {
        return new Member(RecordingPeer.builder(id, codec).build(), new TokenBucket(1, 1, clock));
    }

    @Test
    void entersEachRoomOnceAndExitsOnlyTheRoomNamed() {
        Member m = member("alice");

        assertThat(m.enter(LOBBY)).isTrue();
        assertThat(m.enter(ATTIC)).isTrue();
        assertThat(m.enter(LOBBY)).as("entering again").isTrue();
        assertThat(m.enter(CELLAR)).isTrue();
        assertThat(m.rooms()).containsExactlyInAnyOrder(LOBBY, ATTIC, CELLAR);

        m.exit(ATTIC);
        assertThat(m.rooms()).containsExactlyInAnyOrder(LOBBY, CELLAR);
        m.exit(ATTIC); // not a member: nothing changes
        m.exit(LOBBY);
        m.exit(CELLAR);
        assertThat(m.rooms()).isEmpty();
        assertThat(m.enter(ATTIC)).isTrue();
        assertThat(m.rooms()).containsExactly(ATTIC);
    }

    @Test
    void roomsIsASnapshotThatLaterChangesLeaveAlone() {
        Member m = member("alice");
        m.enter(LOBBY);

        Set<RoomName> before = m.rooms();
        m.enter(ATTIC);
        m.exit(LOBBY);

        assertThat(before).containsExactly(LOBBY);
        assertThat(m.rooms()).containsExactly(ATTIC);
    }

    @Test
    void disconnectReturnsTheRoomsAndRefusesEveryLaterEnter() {
        Member m = member("alice");
        m.enter(LOBBY);
        m.enter(ATTIC);

        List<RoomName> left = m.disconnect();

        assertThat(left).containsExactlyInAnyOrder(LOBBY, ATTIC);
        assertThat(m.enter(CELLAR)).isFalse();
        assertThat(m.rooms()).as("the hub exits each room it leaves").containsExactlyInAnyOrder(LOBBY, ATTIC);
    }

    @Test
    void concurrentEntersAndExitsOfDifferentRoomsLoseNoChange() throws InterruptedException {
        // Different rooms' locks do not exclude each other, so the member itself must keep each change whole.
        Member m = member("alice");
        int threads = 8;
        int roomsPerThread = 200;
        inParallel(threads, t -> {
            for (int i = 0; i < roomsPerThread; i++) {
                RoomName kept = RoomName.of("kept-" + t + "-" + i);
                RoomName passing = RoomName.of("passing-" + t + "-" + i);
                assertThat(m.enter(kept)).isTrue();
                assertThat(m.enter(passing)).isTrue();
                m.exit(passing);
            }
        });

        Set<RoomName> expected = new HashSet<>();
        IntStream.range(0, threads).forEach(t -> IntStream.range(0, roomsPerThread)
                .forEach(i -> expected.add(RoomName.of("kept-" + t + "-" + i))));
        assertThat(m.rooms()).isEqualTo(expected);
    }

    @Test
    void everyEnterThatRacesWithDisconnectIsEitherRefusedOrReturnedByIt() throws InterruptedException {
        for (int iteration = 0; iteration < 200; iteration++) {
            Member m = member("alice");
            ConcurrentLinkedQueue<RoomName> entered = new ConcurrentLinkedQueue<>();
            CountDownLatch go = new CountDownLatch(1);
            List<RoomName> returned = new ArrayList<>();
            Thread joiner = Thread.ofPlatform().start(() -> {
                await(go);
                for (int i = 0; i < 50; i++) {
                    RoomName room = RoomName.of("r" + i);
                    if (m.enter(room)) {
                        entered.add(room);
                    }
                }
            });
            Thread disconnecter = Thread.ofPlatform().start(() -> {
                await(go);
                returned.addAll(m.disconnect());
            });

            go.countDown();
            joiner.join(5_000);
            disconnecter.join(5_000);

            assertThat(returned).as("iteration %d: rooms the disconnect leaves", iteration)
                    .containsExactlyInAnyOrderElementsOf(entered);
        }
    }

    @Test
    void keepsNoLockObjectAndNoCollectionOfItsOwn() {
        // One per connection: a lock and a concurrent set cost about 250 bytes per connection.
        for (Field field : Member.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers())) {
                continue;
            }
            Class<?> type = field.getType();
            assertThat(Lock.class.isAssignableFrom(type)).as("field %s is a lock", field.getName()).isFalse();
            assertThat(Collection.class.isAssignableFrom(type) || Map.class.isAssignableFrom(type))
                    .as("field %s is a collection", field.getName()).isFalse();
        }
    }

    private interface ThreadBody {
        void run(int thread);
    }

    private static void inParallel(int threads, ThreadBody body) throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            started.add(Thread.ofPlatform().start(() -> {
                await(go);
                try {
                    body.run(index);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        go.countDown();
        for (Thread t : started) {
            t.join(10_000);
        }
        assertThat(failures).isEmpty();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
