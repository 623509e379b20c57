import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small HPROF (heap dump) analyser with no dependencies, for finding out what each connection keeps
 * alive. Run it with the JDK's source launcher:
 *
 * <pre>
 * java -Xmx4g bench/tools/HprofTool.java DUMP [--histo jcmd-class-histogram.txt] [--vthread-roots] COMMAND ARGS
 *
 *   hist [N]                      classes by shallow bytes (approximate sizes unless --histo is given)
 *   path CLASS [K]                shortest path from a GC root to the K-th instance (0) of CLASS
 *   pathid ID                     the same for the object with that id (hex, 0x...)
 *   gpath SEEDS CLASS [K]         like path, but the path may not pass through instances of SEEDS
 *   refs CLASS [N]                who references instances of CLASS: referrer class.field, counted
 *   owned SEED_CLASS[,CLASS...] [DIVISOR]
 *                                 objects reachable from the seed instances but not from any GC root
 *                                 without passing through a seed instance, grouped by class, per seed
 *                                 group (seeds reaching each other are one group, e.g. one connection);
 *                                 then the same objects by "referrer class.field -> class"
 *   layers SEED_CLASS[,...] [DIVISOR]
 *                                 the owned objects by layer (JDK socket, XNIO, Undertow HTTP, Undertow
 *                                 WebSocket, virtual thread, Roomcast): JDK utility objects count for
 *                                 their nearest holder's layer
 *   freed CLASS[,CLASS...] [DIVISOR]
 *                                 what would become unreachable if no instance of these classes were
 *                                 referenced (per instance of the first class, or per DIVISOR)
 *   ownedstr SEED_CLASS[,...] [K] strings and byte arrays owned by the K-th seed group, with holders
 *   dom [N] [DIVISOR]             dominator tree: retained bytes grouped by the class of each
 *                                 subtree's top object, for subtrees whose dominator is a GC root
 *   retained ID                   the dominator subtree (retained set) of one object, by class
 * </pre>
 *
 * Example, for an idle run ({@code bench/tools/idle-dump.sh /tmp/rc --server roomcast ...}): the
 * seeds are the per-connection objects that shared structures hold (selector keys, timers, the
 * hub's members, the virtual-thread container, Undertow's connection set), so each connection's
 * seeds meet in one group:
 * <pre>
 * S=sun.nio.ch.SocketChannelImpl,sun.nio.ch.SelectionKeyImpl,java.lang.VirtualThread,\
 * dev.roomcast.transport.undertow.internal.Connection,dev.roomcast.hub.Member,\
 * org.xnio.nio.WorkerThread\$TimeKey,io.undertow.server.protocol.http.HttpServerConnection,\
 * io.undertow.websockets.core.protocol.version13.WebSocket13Channel
 * java -Xmx6g bench/tools/HprofTool.java /tmp/rc.hprof --histo /tmp/rc.histo layers $S
 * java -Xmx6g bench/tools/HprofTool.java /tmp/rc.hprof path 'io.undertow.server.AbstractServerConnection$CloseSetter'
 * java -Xmx6g bench/tools/HprofTool.java /tmp/rc.hprof freed io.undertow.server.protocol.http.HttpServerConnection
 * </pre>
 * The "references from shared objects into the groups" part of {@code owned} tells whether a seed
 * is missing (a per-connection class appearing there, or far fewer groups than connections).
 * The heap dumper reports the frames of parked virtual threads as GC roots; they are turned into
 * edges from their VirtualThread instead (option {@code --vthread-roots} keeps them as roots).
 *
 * Shallow sizes assume a 64-bit HotSpot with compressed oops and class pointers (12-byte headers,
 * 4-byte references, 8-byte alignment); with {@code --histo} instance sizes come from the exact
 * per-class averages of {@code jcmd PID GC.class_histogram}.
 */
public final class HprofTool {
    // ---- raw file ------------------------------------------------------------------------------
    private final MappedByteBuffer[] maps;
    private static final long CHUNK = 1L << 30;
    private int idSize;

    // ---- strings and classes --------------------------------------------------------------------
    private final HashMap<Long, String> utf8 = new HashMap<>();
    private final HashMap<Long, String> classNameById = new HashMap<>();
    private final HashMap<Long, ClassInfo> classes = new HashMap<>();

    static final class ClassInfo {
        long id;
        String name;
        long superId;
        int instanceSize; // as dumped (HPROF's sum of field sizes, ids counted as idSize)
        String[] fieldNames = new String[0];
        byte[] fieldTypes = new byte[0];
        String[] staticNames = new String[0];
        long[] staticRefs = new long[0];
        long loader;
        int shallow; // our estimate of the real instance size
        int index;   // object index of the class object itself
        ClassInfo superInfo;
        List<String> allFieldNames; // including super classes, in dump order (own first, then super)
        List<Byte> allFieldTypes;
    }

    // ---- objects -------------------------------------------------------------------------------
    private int count;
    private long[] ids = new long[1 << 20];
    private long[] offsets = new long[1 << 20]; // file offset of the record body (after the tag)
    private byte[] kinds = new byte[1 << 20];   // 0 class, 1 instance, 2 object array, 3 primitive array
    private int[] sizes = new int[1 << 20];
    private long[] classOf = new long[1 << 20]; // class id (for arrays: array class id, or -type for primitive)
    private LongIntMap index;

    // ---- graph (CSR) ---------------------------------------------------------------------------
    private int[] outStart;
    private int[] outEdges;
    private int[] inStart;
    private int[] inEdges;
    private final List<long[]> roots = new ArrayList<>(); // {id, type, thread serial or -1}
    /** Extra edges: from a virtual thread object to what its (unmounted) frames hold. */
    private final HashMap<Integer, List<Integer>> frameEdges = new HashMap<>();
    static boolean virtualThreadsAreRoots = false;
    private boolean[] isRoot;
    private String[] rootKind;

    private final Map<String, Integer> exactInstanceSizes = new HashMap<>();

    private static final String[] PRIM_NAMES = new String[12];
    private static final int[] PRIM_SIZES = new int[12];

    static {
        PRIM_NAMES[4] = "boolean[]"; PRIM_SIZES[4] = 1;
        PRIM_NAMES[5] = "char[]"; PRIM_SIZES[5] = 2;
        PRIM_NAMES[6] = "float[]"; PRIM_SIZES[6] = 4;
        PRIM_NAMES[7] = "double[]"; PRIM_SIZES[7] = 8;
        PRIM_NAMES[8] = "byte[]"; PRIM_SIZES[8] = 1;
        PRIM_NAMES[9] = "short[]"; PRIM_SIZES[9] = 2;
        PRIM_NAMES[10] = "int[]"; PRIM_SIZES[10] = 4;
        PRIM_NAMES[11] = "long[]"; PRIM_SIZES[11] = 8;
    }

    HprofTool(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            int n = (int) ((size + CHUNK - 1) / CHUNK);
            maps = new MappedByteBuffer[n];
            for (int i = 0; i < n; i++) {
                long start = i * CHUNK;
                // overlap by 64 KiB so a value never straddles two maps
                long len = Math.min(size - start, CHUNK + 65536);
                maps[i] = ch.map(FileChannel.MapMode.READ_ONLY, start, len);
                maps[i].order(ByteOrder.BIG_ENDIAN);
            }
            fileSize = size;
        }
    }

    private long fileSize;

    private int u1(long pos) {
        return maps[(int) (pos / CHUNK)].get((int) (pos % CHUNK)) & 0xff;
    }

    private int u2(long pos) {
        return maps[(int) (pos / CHUNK)].getShort((int) (pos % CHUNK)) & 0xffff;
    }

    private int u4(long pos) {
        return maps[(int) (pos / CHUNK)].getInt((int) (pos % CHUNK));
    }

    private long u8(long pos) {
        return maps[(int) (pos / CHUNK)].getLong((int) (pos % CHUNK));
    }

    private long id(long pos) {
        return idSize == 8 ? u8(pos) : (u4(pos) & 0xffffffffL);
    }

    private byte[] bytes(long pos, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) u1(pos + i);
        }
        return b;
    }

    private int typeSize(int t) {
        return t == 2 ? idSize : PRIM_SIZES[t];
    }

    private static int memTypeSize(int t) {
        return t == 2 ? 4 : PRIM_SIZES[t];
    }

    private static int align8(long n) {
        return (int) ((n + 7) & ~7L);
    }

    // ---- parsing -------------------------------------------------------------------------------

    void parse() {
        long pos = 0;
        while (u1(pos) != 0) {
            pos++;
        }
        pos++;
        idSize = u4(pos);
        pos += 4 + 8;
        List<long[]> heapSegments = new ArrayList<>();
        while (pos < fileSize) {
            int tag = u1(pos);
            long len = u4(pos + 5) & 0xffffffffL;
            long body = pos + 9;
            switch (tag) {
                case 0x01 -> {
                    long sid = id(body);
                    utf8.put(sid, new String(bytes(body + idSize, (int) (len - idSize)), StandardCharsets.UTF_8));
                }
                case 0x02 -> {
                    long cid = id(body + 4);
                    long nameId = id(body + 4 + idSize + 4);
                    classNameById.put(cid, String.valueOf(nameId));
                }
                case 0x0C, 0x1C -> heapSegments.add(new long[] {body, body + len});
                default -> {
                }
            }
            pos = body + len;
        }
        // resolve class names
        for (Map.Entry<Long, String> e : classNameById.entrySet()) {
            String n = utf8.get(Long.parseLong(e.getValue()));
            e.setValue(n == null ? "?" : n.replace('/', '.'));
        }
        for (long[] seg : heapSegments) {
            scanSegment(seg[0], seg[1]);
        }
        finishClasses();
        index = new LongIntMap(count * 2);
        for (int i = 0; i < count; i++) {
            index.put(ids[i], i);
        }
        for (ClassInfo c : classes.values()) {
            c.index = index.get(c.id);
        }
        computeSizes();
        demoteVirtualThreads();
        buildGraph();
    }

    private void add(long oid, long off, byte kind, long cls) {
        if (count == ids.length) {
            int n = count * 2;
            ids = Arrays.copyOf(ids, n);
            offsets = Arrays.copyOf(offsets, n);
            kinds = Arrays.copyOf(kinds, n);
            sizes = Arrays.copyOf(sizes, n);
            classOf = Arrays.copyOf(classOf, n);
        }
        ids[count] = oid;
        offsets[count] = off;
        kinds[count] = kind;
        classOf[count] = cls;
        count++;
    }

    private void scanSegment(long pos, long end) {
        while (pos < end) {
            int sub = u1(pos);
            pos++;
            switch (sub) {
                case 0xFF -> { roots.add(new long[] {id(pos), sub, -1}); pos += idSize; }
                case 0x01 -> { roots.add(new long[] {id(pos), sub, -1}); pos += 2L * idSize; }
                case 0x02, 0x03 -> { roots.add(new long[] {id(pos), sub, u4(pos + idSize)}); pos += idSize + 8; }
                case 0x04, 0x06 -> { roots.add(new long[] {id(pos), sub, u4(pos + idSize)}); pos += idSize + 4; }
                case 0x05, 0x07 -> { roots.add(new long[] {id(pos), sub, -1}); pos += idSize; }
                case 0x08 -> { roots.add(new long[] {id(pos), sub, u4(pos + idSize)}); pos += idSize + 8; }
                case 0x20 -> pos = classDump(pos);
                case 0x21 -> {
                    long oid = id(pos);
                    long cls = id(pos + idSize + 4);
                    int n = u4(pos + 2L * idSize + 4);
                    add(oid, pos, (byte) 1, cls);
                    pos += 2L * idSize + 8 + n;
                }
                case 0x22 -> {
                    long oid = id(pos);
                    int n = u4(pos + idSize + 4);
                    long cls = id(pos + idSize + 8);
                    add(oid, pos, (byte) 2, cls);
                    pos += 2L * idSize + 8 + (long) n * idSize;
                }
                case 0x23 -> {
                    long oid = id(pos);
                    int n = u4(pos + idSize + 4);
                    int t = u1(pos + idSize + 8);
                    add(oid, pos, (byte) 3, -t);
                    pos += idSize + 9 + (long) n * PRIM_SIZES[t];
                }
                default -> throw new IllegalStateException("unknown heap sub-record 0x" + Integer.toHexString(sub) + " at " + pos);
            }
        }
    }

    private long classDump(long pos) {
        ClassInfo c = new ClassInfo();
        c.id = id(pos);
        pos += idSize + 4;
        c.superId = id(pos);
        pos += idSize;
        c.loader = id(pos);
        pos += idSize * 5L;
        c.instanceSize = u4(pos);
        pos += 4;
        int cp = u2(pos);
        pos += 2;
        for (int i = 0; i < cp; i++) {
            int t = u1(pos + 2);
            pos += 3 + typeSize(t);
        }
        int ns = u2(pos);
        pos += 2;
        List<String> sn = new ArrayList<>();
        List<Long> sr = new ArrayList<>();
        for (int i = 0; i < ns; i++) {
            long nameId = id(pos);
            int t = u1(pos + idSize);
            if (t == 2) {
                sn.add(utf8.getOrDefault(nameId, "?"));
                sr.add(id(pos + idSize + 1));
            }
            pos += idSize + 1 + typeSize(t);
        }
        c.staticNames = sn.toArray(new String[0]);
        c.staticRefs = sr.stream().mapToLong(Long::longValue).toArray();
        int nf = u2(pos);
        pos += 2;
        c.fieldNames = new String[nf];
        c.fieldTypes = new byte[nf];
        for (int i = 0; i < nf; i++) {
            c.fieldNames[i] = utf8.getOrDefault(id(pos), "?");
            c.fieldTypes[i] = (byte) u1(pos + idSize);
            pos += idSize + 1;
        }
        classes.put(c.id, c);
        add(c.id, -1, (byte) 0, 0);
        return pos;
    }

    private void finishClasses() {
        for (ClassInfo c : classes.values()) {
            c.name = classNameById.getOrDefault(c.id, "?" + Long.toHexString(c.id));
            c.superInfo = classes.get(c.superId);
        }
        for (ClassInfo c : classes.values()) {
            List<String> names = new ArrayList<>();
            List<Byte> types = new ArrayList<>();
            int mem = 0;
            for (ClassInfo k = c; k != null; k = k.superInfo) {
                for (int i = 0; i < k.fieldNames.length; i++) {
                    names.add(k.fieldNames[i]);
                    types.add(k.fieldTypes[i]);
                    mem += memTypeSize(k.fieldTypes[i]);
                }
            }
            c.allFieldNames = names;
            c.allFieldTypes = types;
            Integer exact = exactInstanceSizes.get(c.name);
            c.shallow = exact != null ? exact : Math.max(16, align8(12 + mem));
        }
    }

    private void computeSizes() {
        for (int i = 0; i < count; i++) {
            switch (kinds[i]) {
                case 0 -> sizes[i] = 0; // class objects (mirrors) are not counted
                case 1 -> {
                    ClassInfo c = classes.get(classOf[i]);
                    sizes[i] = c == null ? 16 : c.shallow;
                    if (c != null && c.name.equals("jdk.internal.vm.StackChunk")) {
                        // the frames live inside the object; its int field "size" counts them in words
                        long words = primFieldOf(c, i, "size");
                        if (words > 0) {
                            sizes[i] = align8(c.shallow + 8 * words);
                        }
                    }
                }
                case 2 -> sizes[i] = align8(16 + 4L * u4(offsets[i] + idSize + 4));
                case 3 -> {
                    int t = (int) -classOf[i];
                    sizes[i] = align8(16 + (long) PRIM_SIZES[t] * u4(offsets[i] + idSize + 4));
                }
                default -> throw new IllegalStateException();
            }
        }
    }

    /**
     * The heap dumper reports the frames of unmounted virtual threads as GC roots (and each virtual
     * thread as a thread root). A parked virtual thread is only alive through whoever will unpark it,
     * so here its frame references become edges from the VirtualThread object, and it is no root.
     */
    private void demoteVirtualThreads() {
        if (virtualThreadsAreRoots) {
            return;
        }
        Map<Long, Integer> threadBySerial = new HashMap<>();
        for (long[] r : roots) {
            if (r[1] == 0x08) {
                int t = index.get(r[0]);
                if (t >= 0) {
                    threadBySerial.put(r[2], t);
                }
            }
        }
        List<long[]> kept = new ArrayList<>();
        int demoted = 0;
        for (long[] r : roots) {
            Integer t = r[2] >= 0 ? threadBySerial.get(r[2]) : null;
            if (t != null && isVirtualThread(t)) {
                demoted++;
                if (r[1] != 0x08) {
                    int target = index.get(r[0]);
                    if (target >= 0) {
                        frameEdges.computeIfAbsent(t, k -> new ArrayList<>()).add(target);
                    }
                }
            } else {
                kept.add(r);
            }
        }
        roots.clear();
        roots.addAll(kept);
        System.err.println("virtual threads: " + demoted + " roots turned into edges from their VirtualThread");
    }

    private boolean isVirtualThread(int i) {
        if (kinds[i] != 1) {
            return false;
        }
        for (ClassInfo c = classes.get(classOf[i]); c != null; c = c.superInfo) {
            if (c.name.equals("java.lang.BaseVirtualThread")) {
                return true;
            }
        }
        return false;
    }

    /** Calls the consumer with (target object index, field name) for each outgoing reference of i. */
    interface RefSink {
        void ref(int target, String field);
    }

    private void forEachRef(int i, RefSink sink) {
        switch (kinds[i]) {
            case 0 -> {
                ClassInfo c = classes.get(ids[i]);
                for (int k = 0; k < c.staticRefs.length; k++) {
                    int t = index.get(c.staticRefs[k]);
                    if (t >= 0) {
                        sink.ref(t, "static " + c.staticNames[k]);
                    }
                }
                int l = index.get(c.loader);
                if (l >= 0) {
                    sink.ref(l, "<classloader>");
                }
            }
            case 1 -> {
                ClassInfo c = classes.get(classOf[i]);
                if (c == null) {
                    return;
                }
                long pos = offsets[i] + 2L * idSize + 8;
                List<Byte> types = c.allFieldTypes;
                for (int k = 0; k < types.size(); k++) {
                    int t = types.get(k);
                    if (t == 2) {
                        int target = index.get(id(pos));
                        if (target >= 0) {
                            sink.ref(target, c.allFieldNames.get(k));
                        }
                    }
                    pos += typeSize(t);
                }
                int cls = c.index;
                if (cls >= 0) {
                    sink.ref(cls, "<class>");
                }
                List<Integer> frames = frameEdges.get(i);
                if (frames != null) {
                    for (int t : frames) {
                        sink.ref(t, "<frame local>");
                    }
                }
            }
            case 2 -> {
                int n = u4(offsets[i] + idSize + 4);
                long pos = offsets[i] + 2L * idSize + 8;
                for (int k = 0; k < n; k++) {
                    int target = index.get(id(pos + (long) k * idSize));
                    if (target >= 0) {
                        sink.ref(target, "[" + k + "]");
                    }
                }
            }
            default -> {
            }
        }
    }

    private void buildGraph() {
        int[] outCount = new int[count + 1];
        int[] inCount = new int[count + 1];
        long total = 0;
        for (int i = 0; i < count; i++) {
            final int src = i;
            int[] c = {0};
            forEachRef(i, (t, f) -> {
                c[0]++;
                inCount[t]++;
            });
            outCount[src] = c[0];
            total += c[0];
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("too many references");
        }
        outStart = new int[count + 1];
        inStart = new int[count + 1];
        for (int i = 0; i < count; i++) {
            outStart[i + 1] = outStart[i] + outCount[i];
            inStart[i + 1] = inStart[i] + inCount[i];
        }
        outEdges = new int[(int) total];
        inEdges = new int[(int) total];
        int[] inFill = Arrays.copyOf(inStart, count);
        for (int i = 0; i < count; i++) {
            final int src = i;
            int[] p = {outStart[i]};
            forEachRef(i, (t, f) -> {
                outEdges[p[0]++] = t;
                inEdges[inFill[t]++] = src;
            });
        }
        isRoot = new boolean[count];
        rootKind = new String[count];
        for (long[] r : roots) {
            int i = index.get(r[0]);
            if (i >= 0) {
                isRoot[i] = true;
                rootKind[i] = rootName((int) r[1]);
            }
        }
        // Class objects are roots (system classes and loaded classes, as MAT treats them).
        for (int i = 0; i < count; i++) {
            if (kinds[i] == 0 && !isRoot[i]) {
                isRoot[i] = true;
                rootKind[i] = "class";
            }
        }
    }

    private static String rootName(int t) {
        return switch (t) {
            case 0xFF -> "unknown";
            case 0x01 -> "JNI global";
            case 0x02 -> "JNI local";
            case 0x03 -> "Java frame";
            case 0x04 -> "native stack";
            case 0x05 -> "sticky class";
            case 0x06 -> "thread block";
            case 0x07 -> "monitor used";
            case 0x08 -> "thread object";
            default -> "root " + t;
        };
    }

    // ---- helpers -------------------------------------------------------------------------------

    String className(int i) {
        return switch (kinds[i]) {
            case 0 -> "class " + classes.get(ids[i]).name;
            case 1 -> {
                ClassInfo c = classes.get(classOf[i]);
                yield c == null ? "?" : c.name;
            }
            case 2 -> {
                ClassInfo c = classes.get(classOf[i]);
                String n = c == null ? "Object[]" : c.name;
                yield prettyArray(n);
            }
            default -> PRIM_NAMES[(int) -classOf[i]];
        };
    }

    private static String prettyArray(String n) {
        if (n.startsWith("[L") && n.endsWith(";")) {
            return n.substring(2, n.length() - 1) + "[]";
        }
        if (n.startsWith("[[")) {
            return prettyArray(n.substring(1)) + "[]";
        }
        return n;
    }

    private String fieldName(int from, int to) {
        String[] out = {null};
        forEachRef(from, (t, f) -> {
            if (t == to && out[0] == null) {
                out[0] = f;
            }
        });
        return out[0];
    }

    private String describe(int i) {
        StringBuilder sb = new StringBuilder();
        sb.append(className(i)).append(" @0x").append(Long.toHexString(ids[i])).append(" (").append(sizes[i]).append(" B)");
        String v = valueOf(i);
        if (v != null) {
            sb.append(" ").append(v);
        }
        return sb.toString();
    }

    /** A short printable value for strings, byte/char arrays, boxed numbers, and a few known types. */
    private String valueOf(int i) {
        String cn = className(i);
        if (cn.equals("java.lang.String")) {
            String s = stringValue(i);
            return s == null ? null : "\"" + abbreviate(s, 80) + "\"";
        }
        if (kinds[i] == 3 && cn.equals("byte[]")) {
            int n = u4(offsets[i] + idSize + 4);
            byte[] b = bytes(offsets[i] + idSize + 9, Math.min(n, 80));
            return "len=" + n + " " + printable(b, n > 80);
        }
        return null;
    }

    private static String abbreviate(String s, int max) {
        String t = s.replace("\n", "\\n").replace("\r", "\\r");
        return t.length() <= max ? t : t.substring(0, max) + "...(" + s.length() + " chars)";
    }

    private static String printable(byte[] b, boolean more) {
        int printable = 0;
        for (byte x : b) {
            if (x >= 32 && x < 127) {
                printable++;
            }
        }
        if (b.length > 0 && printable * 10 >= b.length * 8) {
            StringBuilder sb = new StringBuilder("\"");
            for (byte x : b) {
                sb.append(x >= 32 && x < 127 ? (char) x : '.');
            }
            return sb.append(more ? "...\"" : "\"").toString();
        }
        StringBuilder sb = new StringBuilder("hex:");
        for (int k = 0; k < Math.min(b.length, 24); k++) {
            sb.append(String.format("%02x", b[k]));
        }
        return sb.append(b.length > 24 || more ? "..." : "").toString();
    }

    /** Reads a field value (object index) of an instance by field name, or -1. */
    int refField(int i, String name) {
        int[] out = {-1};
        forEachRef(i, (t, f) -> {
            if (f.equals(name) && out[0] < 0) {
                out[0] = t;
            }
        });
        return out[0];
    }

    long primField(int i, String name) {
        return primFieldOf(classes.get(classOf[i]), i, name);
    }

    long primFieldOf(ClassInfo c, int i, String name) {
        long pos = offsets[i] + 2L * idSize + 8;
        for (int k = 0; k < c.allFieldTypes.size(); k++) {
            int t = c.allFieldTypes.get(k);
            if (c.allFieldNames.get(k).equals(name)) {
                return switch (typeSize(t)) {
                    case 1 -> u1(pos);
                    case 2 -> u2(pos);
                    case 4 -> u4(pos);
                    default -> u8(pos);
                };
            }
            pos += typeSize(t);
        }
        return Long.MIN_VALUE;
    }

    String stringValue(int i) {
        int v = refField(i, "value");
        if (v < 0 || kinds[v] != 3) {
            return null;
        }
        long coder = primField(i, "coder");
        int n = u4(offsets[v] + idSize + 4);
        byte[] b = bytes(offsets[v] + idSize + 9, n);
        return coder == 1 ? new String(b, StandardCharsets.UTF_16LE) : new String(b, StandardCharsets.ISO_8859_1);
    }

    private List<Integer> instancesOf(String cls) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (kinds[i] != 0 && className(i).equals(cls)) {
                out.add(i);
            }
        }
        return out;
    }

    // ---- commands ------------------------------------------------------------------------------

    void hist(int top, PrintStream out) {
        Map<String, long[]> h = new HashMap<>();
        long total = 0;
        boolean[] live = reachableFromRoots(null);
        for (int i = 0; i < count; i++) {
            if (kinds[i] == 0 || !live[i]) {
                continue;
            }
            long[] a = h.computeIfAbsent(className(i), k -> new long[2]);
            a[0]++;
            a[1] += sizes[i];
            total += sizes[i];
        }
        out.printf("%d objects, %,d bytes reachable (shallow, estimated)%n", count, total);
        h.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).limit(top)
                .forEach(e -> out.printf("%10d %12d  %s%n", e.getValue()[0], e.getValue()[1], e.getKey()));
    }

    /** Objects reachable from the GC roots, not entering any object in {@code blocked}. */
    private boolean[] reachableFromRoots(boolean[] blocked) {
        boolean[] seen = new boolean[count];
        int[] stack = new int[count];
        int sp = 0;
        for (int i = 0; i < count; i++) {
            if (isRoot[i] && (blocked == null || !blocked[i])) {
                seen[i] = true;
                stack[sp++] = i;
            }
        }
        while (sp > 0) {
            int i = stack[--sp];
            for (int e = outStart[i]; e < outStart[i + 1]; e++) {
                int t = outEdges[e];
                if (!seen[t] && (blocked == null || !blocked[t])) {
                    seen[t] = true;
                    stack[sp++] = t;
                }
            }
        }
        return seen;
    }

    /** BFS parents from the roots (shortest paths), -1 for roots and unreachable (parent[i] = -2). */
    private int[] bfsParents() {
        return bfsParents(null);
    }

    private boolean[] seedMask(List<String> seedClasses) {
        boolean[] seed = new boolean[count];
        for (int i = 0; i < count; i++) {
            if (kinds[i] != 0 && seedClasses.contains(className(i))) {
                seed[i] = true;
            }
        }
        return seed;
    }

    private int[] bfsParents(boolean[] blocked) {
        int[] parent = new int[count];
        Arrays.fill(parent, -2);
        int[] queue = new int[count];
        int head = 0;
        int tail = 0;
        // Prefer non-class roots first (thread stacks, JNI), then classes, so paths show where they start.
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < count; i++) {
                if (isRoot[i] && parent[i] == -2 && (pass == 1 || kinds[i] != 0) && (blocked == null || !blocked[i])) {
                    parent[i] = -1;
                    queue[tail++] = i;
                }
            }
        }
        while (head < tail) {
            int i = queue[head++];
            for (int e = outStart[i]; e < outStart[i + 1]; e++) {
                int t = outEdges[e];
                if (parent[t] == -2 && (blocked == null || !blocked[t])) {
                    parent[t] = i;
                    queue[tail++] = t;
                }
            }
        }
        return parent;
    }

    void path(int target, PrintStream out) {
        path(target, null, out);
    }

    void path(int target, boolean[] blocked, PrintStream out) {
        int[] parent = bfsParents(blocked);
        printPath(parent, target, out);
        out.println("direct referrers:");
        for (int e = inStart[target]; e < inStart[target + 1]; e++) {
            int r = inEdges[e];
            out.println("  " + describe(r) + " ." + fieldName(r, target));
        }
    }

    private void printPath(int[] parent, int target, PrintStream out) {
        if (parent[target] == -2) {
            out.println("unreachable: " + describe(target));
            return;
        }
        List<Integer> chain = new ArrayList<>();
        for (int i = target; i != -1; i = parent[i]) {
            chain.add(i);
        }
        int root = chain.get(chain.size() - 1);
        out.println("GC root (" + rootKind[root] + "): " + describe(root));
        for (int k = chain.size() - 2; k >= 0; k--) {
            int from = chain.get(k + 1);
            int to = chain.get(k);
            out.println("  ." + fieldName(from, to) + " -> " + describe(to));
        }
    }

    void refs(String cls, int top, PrintStream out) {
        Map<String, Integer> counts = new HashMap<>();
        List<Integer> inst = instancesOf(cls);
        for (int i : inst) {
            for (int e = inStart[i]; e < inStart[i + 1]; e++) {
                int r = inEdges[e];
                String f = fieldName(r, i);
                if (f != null && f.startsWith("[")) {
                    f = "[]";
                }
                counts.merge(className(r) + "." + f, 1, Integer::sum);
            }
        }
        out.println(inst.size() + " instances of " + cls + "; referenced from:");
        counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(top)
                .forEach(e -> out.printf("%10d  %s%n", e.getValue(), e.getKey()));
    }

    /** The result of {@link #owned}: per object its seed group (-1 none), and the groups' seeds. */
    record Ownership(int[] group, int groups, boolean[] seed, int[] groupOfSeedRep) {
    }

    /**
     * Objects reachable only through the seeds, grouped by connection. First everything reachable
     * from the roots without entering a seed is "global". Then every seed's walk over non-global
     * objects runs to its end (walks may overlap); two seeds are one group when one's walk reaches the
     * other seed. Finally an object reached by the walks of two groups is "shared between groups"
     * (for instance an interned string literal that only connections reference), not owned; the
     * rest belong to exactly one group.
     */
    Ownership owned(List<String> seedClasses) {
        boolean[] seed = seedMask(seedClasses);
        int seeds = 0;
        for (boolean b : seed) {
            if (b) {
                seeds++;
            }
        }
        boolean[] global = reachableFromRoots(seed);
        int[] uf = new int[count];
        for (int i = 0; i < count; i++) {
            uf[i] = i;
        }
        int[] stamp = new int[count];
        int[] stack = new int[count];
        int walk = 0;
        long visits = 0;
        // pass 1: unions of seeds that reach each other
        for (int s = 0; s < count; s++) {
            if (!seed[s]) {
                continue;
            }
            walk++;
            int sp = 0;
            stamp[s] = walk;
            stack[sp++] = s;
            while (sp > 0) {
                int i = stack[--sp];
                visits++;
                for (int e = outStart[i]; e < outStart[i + 1]; e++) {
                    int t = outEdges[e];
                    if (global[t] || stamp[t] == walk) {
                        continue;
                    }
                    stamp[t] = walk;
                    if (seed[t]) {
                        union(uf, s, t);
                        continue; // the other seed's own walk covers what lies beyond it
                    }
                    stack[sp++] = t;
                }
            }
        }
        // pass 2: label objects with their group, or shared (-2) when two groups reach them
        int[] label = new int[count];
        Arrays.fill(label, -1);
        Arrays.fill(stamp, 0);
        walk = 0;
        Map<String, long[]> sharedByClass = new HashMap<>();
        for (int s = 0; s < count; s++) {
            if (!seed[s]) {
                continue;
            }
            int rep = find(uf, s);
            walk++;
            int sp = 0;
            stamp[s] = walk;
            stack[sp++] = s;
            while (sp > 0) {
                int i = stack[--sp];
                if (label[i] == -1) {
                    label[i] = rep;
                } else if (label[i] >= 0 && label[i] != rep) {
                    label[i] = -2;
                }
                for (int e = outStart[i]; e < outStart[i + 1]; e++) {
                    int t = outEdges[e];
                    if (global[t] || stamp[t] == walk || seed[t]) {
                        continue;
                    }
                    stamp[t] = walk;
                    stack[sp++] = t;
                }
            }
        }
        Map<Integer, Integer> groupIds = new HashMap<>();
        int[] group = new int[count];
        Arrays.fill(group, -1);
        for (int i = 0; i < count; i++) {
            if (label[i] >= 0) {
                group[i] = groupIds.computeIfAbsent(label[i], k -> groupIds.size());
            } else if (label[i] == -2) {
                long[] a = sharedByClass.computeIfAbsent(className(i), k -> new long[2]);
                a[0]++;
                a[1] += sizes[i];
            }
        }
        int[] reps = new int[groupIds.size()];
        groupIds.forEach((rep, g) -> reps[g] = rep);
        System.err.println(seeds + " seed objects in " + groupIds.size() + " groups (" + visits + " visits)");
        if (!sharedByClass.isEmpty()) {
            System.err.println("objects reached from two or more groups only (shared, not counted), by class:");
            sharedByClass.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1])).limit(10)
                    .forEach(e -> System.err.printf("  %8d %10d  %s%n", e.getValue()[0], e.getValue()[1], e.getKey()));
        }
        return new Ownership(group, groupIds.size(), seed, reps);
    }

    private static int find(int[] uf, int x) {
        while (uf[x] != x) {
            uf[x] = uf[uf[x]];
            x = uf[x];
        }
        return x;
    }

    private static void union(int[] uf, int a, int b) {
        int ra = find(uf, a);
        int rb = find(uf, b);
        if (ra != rb) {
            uf[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }

    void ownedReport(List<String> seedClasses, double divisor, PrintStream out) {
        Ownership o = owned(seedClasses);
        double div = divisor > 0 ? divisor : o.groups();
        // group sizes
        long[] groupBytes = new long[o.groups()];
        Map<String, long[]> byClass = new HashMap<>();
        Map<String, long[]> byEdge = new HashMap<>();
        long total = 0;
        for (int i = 0; i < count; i++) {
            if (o.group()[i] < 0) {
                continue;
            }
            groupBytes[o.group()[i]] += sizes[i];
            total += sizes[i];
            long[] a = byClass.computeIfAbsent(className(i), k -> new long[2]);
            a[0]++;
            a[1] += sizes[i];
            // the in-group referrer(s): first one found names the edge
            String edge = "(seed)";
            if (!o.seed()[i]) {
                edge = "(?)";
                for (int e = inStart[i]; e < inStart[i + 1]; e++) {
                    int r = inEdges[e];
                    if (o.group()[r] == o.group()[i]) {
                        String f = fieldName(r, i);
                        if (f != null && f.startsWith("[")) {
                            f = "[]";
                        }
                        edge = className(r) + "." + f;
                        break;
                    }
                }
            }
            long[] b = byEdge.computeIfAbsent(edge + " -> " + className(i), k -> new long[2]);
            b[0]++;
            b[1] += sizes[i];
        }
        long[] sorted = groupBytes.clone();
        Arrays.sort(sorted);
        out.printf("%d groups; owned bytes per group: min %d, median %d, max %d; total %,d = %.1f B per %s%n",
                o.groups(), sorted.length == 0 ? 0 : sorted[0], sorted.length == 0 ? 0 : sorted[sorted.length / 2],
                sorted.length == 0 ? 0 : sorted[sorted.length - 1], total, total / div,
                divisor > 0 ? "unit (divisor " + divisor + ")" : "group");
        out.println("--- by class (count per group, bytes per group, total count) ---");
        byClass.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
                .forEach(e -> out.printf("%8.2f %9.1f %9d  %s%n", e.getValue()[0] / div, e.getValue()[1] / div,
                        e.getValue()[0], e.getKey()));
        out.println("--- by holder field -> class (count per group, bytes per group) ---");
        byEdge.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
                .forEach(e -> out.printf("%8.2f %9.1f  %s%n", e.getValue()[0] / div, e.getValue()[1] / div, e.getKey()));
        // Where the groups hang from the global part: edges global -> owned
        Map<String, Integer> entries = new HashMap<>();
        boolean[] global = reachableFromRoots(o.seed());
        for (int i = 0; i < count; i++) {
            if (o.group()[i] < 0) {
                continue;
            }
            for (int e = inStart[i]; e < inStart[i + 1]; e++) {
                int r = inEdges[e];
                if (global[r] && o.group()[r] < 0) {
                    String f = fieldName(r, i);
                    if (f != null && f.startsWith("[")) {
                        f = "[]";
                    }
                    entries.merge(className(r) + "." + f + " -> " + className(i), 1, Integer::sum);
                }
            }
        }
        // the global objects that hold group objects (collection nodes etc.) cost per connection too
        Map<String, long[]> holders = new HashMap<>();
        boolean[] counted = new boolean[count];
        for (int i = 0; i < count; i++) {
            if (o.group()[i] < 0) {
                continue;
            }
            for (int e = inStart[i]; e < inStart[i + 1]; e++) {
                int r = inEdges[e];
                if (global[r] && o.group()[r] < 0 && !counted[r] && kinds[r] != 0) {
                    counted[r] = true;
                    long[] h = holders.computeIfAbsent(className(r), k -> new long[2]);
                    h[0]++;
                    h[1] += sizes[r];
                }
            }
        }
        out.println("--- shared objects holding group objects directly (count per group, bytes per group) ---");
        holders.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1])).limit(20)
                .forEach(e -> out.printf("%8.2f %9.1f  %s%n", e.getValue()[0] / div, e.getValue()[1] / div, e.getKey()));
        // per-connection objects the walk cannot own: global ones (reachable without the seeds, e.g.
        // keys of a shared map) whose class has about one instance per group or more
        Map<String, long[]> globalByClass = new HashMap<>();
        for (int i = 0; i < count; i++) {
            if (global[i] && o.group()[i] < 0 && kinds[i] != 0) {
                long[] g = globalByClass.computeIfAbsent(className(i), k -> new long[2]);
                g[0]++;
                g[1] += sizes[i];
            }
        }
        out.println("--- global objects of classes with >= 0.5 instance per group (count per group, bytes per group) ---");
        globalByClass.entrySet().stream().filter(e -> e.getValue()[0] >= 0.5 * div)
                .sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1])).limit(30)
                .forEach(e -> out.printf("%8.2f %9.1f  %s%n", e.getValue()[0] / div, e.getValue()[1] / div, e.getKey()));
        out.println("--- references from shared (global) objects into the groups (count) ---");
        entries.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(40)
                .forEach(e -> out.printf("%8d  %s%n", e.getValue(), e.getKey()));
    }

    /**
     * What the collector could free if no instance of the given classes were referenced any more: the
     * objects reachable now but not when those instances are blocked (the instances included).
     */
    void freed(List<String> blockedClasses, double divisor, PrintStream out) {
        boolean[] blocked = seedMask(blockedClasses);
        boolean[] live = reachableFromRoots(null);
        boolean[] still = reachableFromRoots(blocked);
        Map<String, long[]> byClass = new HashMap<>();
        long total = 0;
        int blockedCount = 0;
        for (int i = 0; i < count; i++) {
            if (blocked[i]) {
                blockedCount++;
            }
            if (live[i] && !still[i]) {
                long[] a = byClass.computeIfAbsent(className(i), k -> new long[2]);
                a[0]++;
                a[1] += sizes[i];
                total += sizes[i];
            }
        }
        double div = divisor > 0 ? divisor : Math.max(1, instancesOf(blockedClasses.get(0)).size());
        out.printf("%d blocked instances; freed %,d bytes = %.1f B per %s%n", blockedCount, total, total / div,
                divisor > 0 ? "unit" : blockedClasses.get(0));
        byClass.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
                .forEach(e -> out.printf("%8.2f %9.1f  %s%n", e.getValue()[0] / div, e.getValue()[1] / div, e.getKey()));
    }

    /** The layer a class belongs to, or null when its objects belong to whoever holds them. */
    static String layerOf(String cn) {
        if (cn.startsWith("java.lang.VirtualThread") || cn.startsWith("jdk.internal.vm.")
                || cn.startsWith("java.lang.ThreadLocal")) {
            return "virtual thread";
        }
        if (cn.startsWith("sun.nio.ch.") || cn.startsWith("java.net.") || cn.equals("java.io.FileDescriptor")
                || cn.startsWith("java.nio.channels.")) {
            return "JDK socket";
        }
        if (cn.startsWith("org.xnio.")) {
            return "XNIO";
        }
        if (cn.startsWith("io.undertow.websockets.") || cn.startsWith("io.undertow.server.protocol.framed.")) {
            return "Undertow WebSocket";
        }
        if (cn.startsWith("io.undertow.util.") || cn.startsWith("io.undertow.server.DefaultByteBufferPool")) {
            return null;
        }
        if (cn.startsWith("io.undertow.")) {
            return "Undertow HTTP";
        }
        if (cn.startsWith("dev.roomcast.")) {
            return "Roomcast";
        }
        if (cn.startsWith("dev.") || cn.startsWith("com.") || cn.startsWith("org.")) {
            return "application";
        }
        return null;
    }

    /**
     * Owned objects (see {@link #owned}) by layer: an object of a JDK utility class (collections,
     * locks, strings, arrays) counts for the layer of its nearest holder inside the group that has a
     * layer. The shared objects that hold group objects (map nodes) count for their target's layer.
     */
    void layers(List<String> seedClasses, double divisor, PrintStream out) {
        Ownership o = owned(seedClasses);
        double div = divisor > 0 ? divisor : o.groups();
        // multi-source BFS inside each group, from its seeds
        int[] parent = new int[count];
        Arrays.fill(parent, -2);
        int[] queue = new int[count];
        int head = 0;
        int tail = 0;
        for (int i = 0; i < count; i++) {
            if (o.seed()[i] && o.group()[i] >= 0) {
                parent[i] = -1;
                queue[tail++] = i;
            }
        }
        while (head < tail) {
            int i = queue[head++];
            for (int e = outStart[i]; e < outStart[i + 1]; e++) {
                int t = outEdges[e];
                if (parent[t] == -2 && o.group()[t] == o.group()[i]) {
                    parent[t] = i;
                    queue[tail++] = t;
                }
            }
        }
        String[] layer = new String[count];
        Map<String, Map<String, long[]>> byLayer = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            if (o.group()[i] < 0) {
                continue;
            }
            String l = null;
            for (int cur = i; cur >= 0 && l == null; cur = parent[cur]) {
                l = layerOf(className(cur));
            }
            layer[i] = l == null ? "unattributed" : l;
            long[] a = byLayer.computeIfAbsent(layer[i], k -> new HashMap<>()).computeIfAbsent(className(i), k -> new long[2]);
            a[0]++;
            a[1] += sizes[i];
        }
        boolean[] global = reachableFromRoots(o.seed());
        boolean[] counted = new boolean[count];
        for (int i = 0; i < count; i++) {
            if (o.group()[i] < 0) {
                continue;
            }
            for (int e = inStart[i]; e < inStart[i + 1]; e++) {
                int r = inEdges[e];
                if (global[r] && o.group()[r] < 0 && !counted[r] && kinds[r] != 0) {
                    counted[r] = true;
                    long[] a = byLayer.computeIfAbsent(layer[i], k -> new HashMap<>())
                            .computeIfAbsent(className(r) + " (shared map's entry -> " + className(i) + ")", k -> new long[2]);
                    a[0]++;
                    a[1] += sizes[r];
                }
            }
        }
        long grand = 0;
        for (Map<String, long[]> m : byLayer.values()) {
            for (long[] a : m.values()) {
                grand += a[1];
            }
        }
        out.printf("%d groups; %.1f B per group in all (owned objects plus the map entries that hold them)%n", o.groups(), grand / div);
        for (Map.Entry<String, Map<String, long[]>> l : byLayer.entrySet()) {
            long total = l.getValue().values().stream().mapToLong(a -> a[1]).sum();
            long n = l.getValue().values().stream().mapToLong(a -> a[0]).sum();
            out.printf("=== %s: %.1f B, %.1f objects per group%n", l.getKey(), total / div, n / div);
            l.getValue().entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
                    .forEach(e -> out.printf("%8.2f %9.1f  %s%n", e.getValue()[0] / div, e.getValue()[1] / div, e.getKey()));
        }
    }

    void ownedStrings(List<String> seedClasses, int k, PrintStream out) {
        Ownership o = owned(seedClasses);
        int g = Math.min(k, o.groups() - 1);
        out.println("group " + g + " (seed rep " + describe(o.groupOfSeedRep()[g]) + ")");
        int[] parent = bfsParents();
        for (int i = 0; i < count; i++) {
            if (o.group()[i] != g) {
                continue;
            }
            String cn = className(i);
            if (cn.equals("java.lang.String") || cn.equals("byte[]") || cn.equals("char[]")) {
                // print the owner chain inside the group, from the group's entry down to i
                List<String> chain = new ArrayList<>();
                int cur = i;
                int guard = 0;
                while (cur >= 0 && o.group()[cur] == g && guard++ < 12) {
                    int p = parent[cur];
                    if (p < 0) {
                        break;
                    }
                    chain.add(0, className(p).replaceAll("^.*\\.", "") + "." + fieldName(p, cur));
                    cur = p;
                }
                out.println(describe(i));
                out.println("    via " + String.join(" / ", chain));
            }
        }
    }

    // ---- dominators (Cooper, Harvey, Kennedy iterative on the BFS/DFS order) ---------------------

    private int[] idom;

    void dominators() {
        // virtual root = count
        int n = count + 1;
        int[] order = new int[n];   // reverse postorder
        int[] rpo = new int[n];     // object -> position in reverse postorder (-1 if unreachable)
        Arrays.fill(rpo, -1);
        // iterative DFS for postorder
        int[] post = new int[n];
        int pc = 0;
        boolean[] visited = new boolean[n];
        int[] stack = new int[n];
        int[] iter = new int[n];
        int sp = 0;
        visited[count] = true;
        stack[sp++] = count;
        int rootPtr = 0;
        while (sp > 0) {
            int v = stack[sp - 1];
            int next = -1;
            if (v == count) {
                while (rootPtr < count) {
                    int r = rootPtr++;
                    if (isRoot[r] && !visited[r]) {
                        next = r;
                        break;
                    }
                }
            } else {
                while (iter[v] < outStart[v + 1] - outStart[v]) {
                    int t = outEdges[outStart[v] + iter[v]++];
                    if (!visited[t]) {
                        next = t;
                        break;
                    }
                }
            }
            if (next >= 0) {
                visited[next] = true;
                stack[sp++] = next;
            } else {
                post[pc++] = v;
                sp--;
            }
        }
        for (int k = 0; k < pc; k++) {
            order[k] = post[pc - 1 - k];
            rpo[order[k]] = k;
        }
        int[] dom = new int[n]; // in rpo numbers
        Arrays.fill(dom, -1);
        dom[0] = 0; // virtual root is order[0]
        boolean changed = true;
        int rounds = 0;
        while (changed) {
            changed = false;
            rounds++;
            for (int k = 1; k < pc; k++) {
                int v = order[k];
                int newIdom = -1;
                // predecessors: in-edges, plus the virtual root for GC roots
                if (isRoot[v]) {
                    newIdom = 0;
                }
                for (int e = inStart[v]; e < inStart[v + 1]; e++) {
                    int p = rpo[inEdges[e]];
                    if (p < 0 || dom[p] < 0) {
                        continue;
                    }
                    newIdom = newIdom < 0 ? p : intersect(dom, p, newIdom);
                }
                if (newIdom >= 0 && dom[k] != newIdom) {
                    dom[k] = newIdom;
                    changed = true;
                }
            }
        }
        System.err.println("dominators: " + rounds + " rounds over " + pc + " nodes");
        idom = new int[count];
        Arrays.fill(idom, -2);
        for (int k = 1; k < pc; k++) {
            int v = order[k];
            int d = order[dom[k]];
            idom[v] = d == count ? -1 : d;
        }
    }

    private static int intersect(int[] dom, int a, int b) {
        while (a != b) {
            while (a > b) {
                a = dom[a];
            }
            while (b > a) {
                b = dom[b];
            }
        }
        return a;
    }

    private long[] retainedSizes() {
        // children before parents: process in order of decreasing depth; compute depth by walking
        long[] retained = new long[count];
        int[] depth = new int[count];
        Arrays.fill(depth, -1);
        for (int i = 0; i < count; i++) {
            computeDepth(i, depth);
        }
        Integer[] byDepth = new Integer[count];
        for (int i = 0; i < count; i++) {
            byDepth[i] = i;
        }
        Arrays.sort(byDepth, Comparator.comparingInt((Integer i) -> depth[i]).reversed());
        for (int i = 0; i < count; i++) {
            if (idom[i] != -2) {
                retained[i] += sizes[i];
            }
        }
        for (Integer i : byDepth) {
            if (idom[i] >= 0) {
                retained[idom[i]] += retained[i];
            }
        }
        return retained;
    }

    private int computeDepth(int i, int[] depth) {
        if (depth[i] >= 0) {
            return depth[i];
        }
        ArrayDeque<Integer> st = new ArrayDeque<>();
        int cur = i;
        while (cur >= 0 && depth[cur] < 0) {
            st.push(cur);
            cur = idom[cur];
        }
        int d = cur >= 0 ? depth[cur] : -1;
        while (!st.isEmpty()) {
            int x = st.pop();
            depth[x] = ++d;
        }
        return depth[i];
    }

    /**
     * Subtrees hanging from shared structures: for each object whose immediate dominator is the
     * virtual root or a "big" object (retained by many subtrees), group by class of the top object.
     */
    void domReport(int top, double divisor, String underClassFilter, PrintStream out) {
        dominators();
        long[] retained = retainedSizes();
        // tops: objects whose idom is a GC root-level object with many dominated children, i.e. the
        // children of the dominator tree nodes that are not per-connection. We take: children of
        // nodes with > 100 dominator children (collections, selector key sets, the virtual root).
        int[] childCount = new int[count];
        int rootChildren = 0;
        for (int i = 0; i < count; i++) {
            if (idom[i] >= 0) {
                childCount[idom[i]]++;
            } else if (idom[i] == -1) {
                rootChildren++;
            }
        }
        Map<String, long[]> groups = new HashMap<>();
        for (int i = 0; i < count; i++) {
            int d = idom[i];
            if (d == -2) {
                continue;
            }
            boolean topLevel = d == -1 || childCount[d] > 100;
            if (!topLevel) {
                continue;
            }
            String parentDesc = d == -1 ? "<root>" : className(d);
            long[] a = groups.computeIfAbsent(className(i) + "   (dominated by " + parentDesc + ")", k -> new long[3]);
            a[0]++;
            a[1] += retained[i];
            a[2] += sizes[i];
        }
        double div = divisor > 0 ? divisor : 1;
        out.printf("virtual root children %d; groups of top-level dominator subtrees (count, retained bytes%s)%n",
                rootChildren, divisor > 0 ? " / " + divisor : "");
        groups.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).limit(top)
                .forEach(e -> out.printf("%10d %14.1f  %s%n", e.getValue()[0], e.getValue()[1] / div, e.getKey()));
        retainedByClassUnder(underClassFilter, retained, divisor, out);
    }

    private void retainedByClassUnder(String cls, long[] retained, double divisor, PrintStream out) {
        if (cls == null) {
            return;
        }
        // for every instance of cls, sum its dominator subtree by class
        Map<String, long[]> byClass = new TreeMap<>();
        int n = 0;
        boolean[] inSubtree = new boolean[count];
        List<Integer> tops = instancesOf(cls);
        for (int t : tops) {
            inSubtree[t] = true;
        }
        // objects whose dominator chain hits a top
        for (int i = 0; i < count; i++) {
            int cur = i;
            while (cur >= 0 && !inSubtree[cur]) {
                cur = idom[cur];
            }
            if (cur >= 0) {
                long[] a = byClass.computeIfAbsent(className(i), k -> new long[2]);
                a[0]++;
                a[1] += sizes[i];
            }
        }
        double div = divisor > 0 ? divisor : tops.size();
        out.println("--- retained by " + tops.size() + " " + cls + " instances, by class (per " + (divisor > 0 ? "unit" : "instance") + ") ---");
        byClass.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
                .forEach(e -> out.printf("%8.2f %9.1f  %s%n", e.getValue()[0] / div, e.getValue()[1] / div, e.getKey()));
    }

    // ---- main ----------------------------------------------------------------------------------

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: java HprofTool.java DUMP [--histo FILE] COMMAND ARGS (see the source)");
            System.exit(2);
        }
        List<String> a = new ArrayList<>(List.of(args));
        Path dump = Path.of(a.remove(0));
        HprofTool tool = new HprofTool(dump);
        while (a.get(0).startsWith("--")) {
            String opt = a.remove(0);
            switch (opt) {
                case "--histo" -> tool.readHisto(Path.of(a.remove(0)));
                case "--vthread-roots" -> virtualThreadsAreRoots = true;
                default -> throw new IllegalArgumentException("unknown option " + opt);
            }
        }
        long t0 = System.nanoTime();
        tool.parse();
        System.err.printf("parsed %d objects, %d roots in %.1f s%n", tool.count, tool.roots.size(), (System.nanoTime() - t0) / 1e9);
        String cmd = a.remove(0);
        PrintStream out = System.out;
        switch (cmd) {
            case "hist" -> tool.hist(a.isEmpty() ? 60 : Integer.parseInt(a.get(0)), out);
            case "path" -> {
                List<Integer> inst = tool.instancesOf(a.get(0));
                int k = a.size() > 1 ? Integer.parseInt(a.get(1)) : 0;
                if (inst.isEmpty()) {
                    out.println("no instance of " + a.get(0));
                } else {
                    out.println(inst.size() + " instances; showing #" + k);
                    tool.path(inst.get(Math.min(k, inst.size() - 1)), out);
                }
            }
            case "layers" -> tool.layers(List.of(a.get(0).split(",")), a.size() > 1 ? Double.parseDouble(a.get(1)) : 0, out);
            case "freed" -> tool.freed(List.of(a.get(0).split(",")), a.size() > 1 ? Double.parseDouble(a.get(1)) : 0, out);
            case "gpath" -> {
                // path avoiding the seed classes: how an object is reachable without them
                boolean[] blocked = tool.seedMask(List.of(a.get(0).split(",")));
                List<Integer> inst = tool.instancesOf(a.get(1));
                int k = a.size() > 2 ? Integer.parseInt(a.get(2)) : 0;
                tool.path(inst.get(Math.min(k, inst.size() - 1)), blocked, out);
            }
            case "pathid" -> tool.path(tool.index.get(Long.decode(a.get(0))), out);
            case "refs" -> tool.refs(a.get(0), a.size() > 1 ? Integer.parseInt(a.get(1)) : 30, out);
            case "owned" -> tool.ownedReport(List.of(a.get(0).split(",")), a.size() > 1 ? Double.parseDouble(a.get(1)) : 0, out);
            case "ownedstr" -> tool.ownedStrings(List.of(a.get(0).split(",")), a.size() > 1 ? Integer.parseInt(a.get(1)) : 0, out);
            case "dom" -> tool.domReport(a.isEmpty() ? 40 : Integer.parseInt(a.get(0)),
                    a.size() > 1 ? Double.parseDouble(a.get(1)) : 0, a.size() > 2 ? a.get(2) : null, out);
            case "retained" -> {
                tool.dominators();
                int target = tool.index.get(Long.decode(a.get(0)));
                Map<String, long[]> byClass = new LinkedHashMap<>();
                for (int i = 0; i < tool.count; i++) {
                    int cur = i;
                    while (cur >= 0 && cur != target) {
                        cur = tool.idom[cur];
                    }
                    if (cur == target) {
                        long[] x = byClass.computeIfAbsent(tool.className(i), k -> new long[2]);
                        x[0]++;
                        x[1] += tool.sizes[i];
                    }
                }
                byClass.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
                        .forEach(e -> out.printf("%6d %9d  %s%n", e.getValue()[0], e.getValue()[1], e.getKey()));
            }
            default -> throw new IllegalArgumentException("unknown command " + cmd);
        }
    }

    /** Reads exact instance sizes from a {@code jcmd GC.class_histogram} listing. */
    void readHisto(Path file) throws IOException {
        for (String line : Files.readAllLines(file)) {
            String[] p = line.trim().split("\\s+");
            if (p.length >= 4 && p[0].endsWith(":")) {
                try {
                    long n = Long.parseLong(p[1]);
                    long b = Long.parseLong(p[2]);
                    String name = p[3];
                    if (n > 0 && !name.startsWith("[") && b % n == 0) {
                        exactInstanceSizes.put(name, (int) (b / n));
                    }
                } catch (NumberFormatException ignored) {
                    // header line
                }
            }
        }
    }

    /** Open-addressing long -> int map (ids are never 0). */
    static final class LongIntMap {
        private final long[] keys;
        private final int[] values;
        private final int mask;

        LongIntMap(int expected) {
            int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
            keys = new long[cap];
            values = new int[cap];
            mask = cap - 1;
        }

        private static int hash(long k) {
            long h = k * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }

        void put(long k, int v) {
            int i = hash(k) & mask;
            while (keys[i] != 0 && keys[i] != k) {
                i = (i + 1) & mask;
            }
            keys[i] = k;
            values[i] = v;
        }

        int get(long k) {
            if (k == 0) {
                return -1;
            }
            int i = hash(k) & mask;
            while (keys[i] != 0) {
                if (keys[i] == k) {
                    return values[i];
                }
                i = (i + 1) & mask;
            }
            return -1;
        }
    }
}
