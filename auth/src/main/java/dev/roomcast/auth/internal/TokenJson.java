package dev.roomcast.auth.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads the two JSON objects of a token, its header and its claims, with Jackson's streaming parser.
 * It accepts exactly the documents nimbus-jose-jwt 10 accepted (its shaded Gson, strict, numbers as
 * {@code Long} or {@code Double}), because it replaced that parser and no token may change answer.
 * That includes these quirks, listed so that dropping one is a deliberate change:
 * <ul>
 *   <li>the top level may be an array of {@code [key, value]} pairs instead of an object (a key may
 *       be a string, a number, whose text is the key, or a boolean), and {@code []} is an empty object;</li>
 *   <li>a member repeated at the top level is refused, even when its first value was null, while
 *       inside a nested object the last value wins, in the first one's place;</li>
 *   <li>a number is a {@code Long} when its text has no {@code '.'} and fits, else a {@code Double},
 *       and one that overflows to infinity is refused;</li>
 *   <li>a number literal of 1024 characters or more is refused, and so is an integer part whose
 *       digits, accumulated in a wrapping {@code long}, pass through exactly zero before the last
 *       one (such as 2<sup>64</sup> followed by a digit);</li>
 *   <li>containers nest at most 255 deep, the outermost counting as one;</li>
 *   <li>text is decoded from UTF-8 with malformed bytes replaced by U+FFFD, and one byte-order mark at
 *       the very start is skipped;</li>
 *   <li>an escaped unpaired surrogate (a backslash-u escape from D800 to DFFF with no partner) is
 *       accepted in member names as in strings.
 *       Jackson refuses it in names since 2.21 (jackson-core#1541), so a document Jackson refuses that
 *       has such an escape is read by the library's parser instead, which was the reference anyway.</li>
 * </ul>
 * Thread-safe; the parser buffers come from a bounded pool shared by the threads using this reader.
 */
public final class TokenJson {
    /** Deepest nesting accepted: Gson's default limit. */
    static final int MAX_DEPTH = 255;
    /** Longest number literal accepted, in characters: one less than Gson's reading buffer. */
    static final int MAX_NUMBER_CHARS = 1023;
    /** Buffer recyclers kept for reuse; verification never blocks, so about one per running thread. */
    private static final int RECYCLER_POOL_SIZE = 16;

    private final JsonFactory factory = JsonFactory.builder()
            // Per-thread buffer caches are of little use to short-lived virtual threads; see EnvelopeCodec.
            .recyclerPool(JsonRecyclerPools.newBoundedPool(RECYCLER_POOL_SIZE))
            // Member names come from tokens: keep them out of the JVM's string table, and let a
            // hash-flooding set of names cost time rather than refuse a document Gson accepted.
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .disable(JsonFactory.Feature.FAIL_ON_SYMBOL_HASH_OVERFLOW)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    // Jackson counts digits only; the literal's full length is checked below.
                    .maxNumberLength(MAX_NUMBER_CHARS + 1)
                    .build())
            .build();

    /**
     * The header object with the values the library's header parser expects: members whose value
     * is null are kept (it tells some of them from absent ones), and maps and lists stay mutable.
     */
    public Optional<Map<String, Object>> header(byte[] utf8) {
        return read(utf8, false);
    }

    /**
     * The claims object as plain values: {@code String}, {@code Long}, {@code Double},
     * {@code Boolean}, unmodifiable {@code List}s (which keep their nulls, so positions stay
     * meaningful) and unmodifiable {@code Map}s (which drop members whose value is null, since an
     * absent claim and a null one mean the same). The top-level map itself is a fresh mutable map
     * without null values.
     */
    public Optional<Map<String, Object>> claims(byte[] utf8) {
        return read(utf8, true);
    }

    private Optional<Map<String, Object>> read(byte[] utf8, boolean plain) {
        try (JsonParser parser = open(utf8)) {
            JsonToken first = parser.nextToken();
            Map<String, Object> object;
            if (first == JsonToken.START_OBJECT) {
                object = topLevelObject(parser, plain);
            } else if (first == JsonToken.START_ARRAY) {
                object = topLevelPairs(parser, plain);
            } else {
                return Optional.empty(); // nothing, null, or a scalar
            }
            if (parser.nextToken() != null) {
                return Optional.empty();
            }
            if (plain) {
                object.values().removeIf(Objects::isNull);
            }
            return Optional.of(object);
        } catch (NotAccepted e) {
            return Optional.empty();
        } catch (IOException e) {
            // The message is never kept: it may quote the token.
            return hasSurrogateEscape(utf8) ? readWithLibrary(utf8, plain) : Optional.empty();
        }
    }

    private static Optional<Map<String, Object>> readWithLibrary(byte[] utf8, boolean plain) {
        Map<String, Object> object;
        try {
            object = JSONObjectUtils.parse(new String(utf8, StandardCharsets.UTF_8));
        } catch (ParseException e) {
            return Optional.empty();
        }
        if (object == null || !plain) {
            return Optional.ofNullable(object);
        }
        Map<String, Object> claims = new LinkedHashMap<>();
        object.forEach((name, value) -> {
            if (value != null) {
                claims.put(name, plainCopy(value));
            }
        });
        return Optional.of(claims);
    }

    private static Object plainCopy(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((name, member) -> {
                if (member != null) {
                    copy.put((String) name, plainCopy(member));
                }
            });
            return Collections.unmodifiableMap(copy);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            for (Object element : list) {
                copy.add(element == null ? null : plainCopy(element));
            }
            return Collections.unmodifiableList(copy);
        }
        return value; // the library read numbers as Long or Double already
    }

    /** Whether the text has a backslash-u escape from D800 to DFFF, in any case; a false positive only costs time. */
    private static boolean hasSurrogateEscape(byte[] utf8) {
        for (int i = 0; i + 3 < utf8.length; i++) {
            if (utf8[i] == '\\' && utf8[i + 1] == 'u' && (utf8[i + 2] | 0x20) == 'd') {
                int third = utf8[i + 3] | 0x20;
                if (third == '8' || third == '9' || (third >= 'a' && third <= 'f')) {
                    return true;
                }
            }
        }
        return false;
    }

    private JsonParser open(byte[] utf8) throws IOException {
        if (isAsciiWithoutNul(utf8)) {
            // Read in place. Without NUL bytes Jackson cannot take the input for UTF-16 or UTF-32,
            // and ASCII decodes the same with or without replacement.
            return factory.createParser(utf8);
        }
        char[] text = new String(utf8, StandardCharsets.UTF_8).toCharArray();
        int from = text.length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        return factory.createParser(text, from, text.length - from);
    }

    private static boolean isAsciiWithoutNul(byte[] bytes) {
        for (byte b : bytes) {
            if (b <= 0) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, Object> topLevelObject(JsonParser parser, boolean plain) throws IOException {
        Map<String, Object> object = new LinkedHashMap<>();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
            String name = parser.currentName();
            putOnce(object, name, value(parser, parser.nextToken(), plain));
        }
        return object;
    }

    private static Map<String, Object> topLevelPairs(JsonParser parser, boolean plain) throws IOException {
        Map<String, Object> object = new LinkedHashMap<>();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            if (token != JsonToken.START_ARRAY) {
                throw new NotAccepted();
            }
            String key = pairKey(parser, parser.nextToken());
            Object value = value(parser, parser.nextToken(), plain);
            if (parser.nextToken() != JsonToken.END_ARRAY) {
                throw new NotAccepted();
            }
            putOnce(object, key, value);
        }
        return object;
    }

    private static void putOnce(Map<String, Object> object, String name, Object value) throws NotAccepted {
        int size = object.size();
        object.put(name, value);
        if (object.size() == size) {
            throw new NotAccepted();
        }
    }

    private static String pairKey(JsonParser parser, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_STRING) {
            return parser.getText();
        }
        if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
            checkNumberText(parser);
            return parser.getText();
        }
        if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
            return parser.getText();
        }
        throw new NotAccepted(); // a null key, a container, or a pair with nothing in it
    }

    private static Object value(JsonParser parser, JsonToken token, boolean plain) throws IOException {
        if (token == null) {
            throw new NotAccepted();
        }
        return switch (token) {
            case START_OBJECT -> object(parser, plain);
            case START_ARRAY -> array(parser, plain);
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> number(parser, token);
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new NotAccepted();
        };
    }

    private static Map<String, Object> object(JsonParser parser, boolean plain) throws IOException {
        Map<String, Object> object = new LinkedHashMap<>();
        boolean hasNull = false;
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
            String name = parser.currentName();
            Object value = value(parser, parser.nextToken(), plain);
            hasNull |= value == null;
            object.put(name, value);
        }
        if (!plain) {
            return object;
        }
        if (hasNull) {
            // Dropped only now, so that a member set, set to null and set again keeps its first place.
            object.values().removeIf(Objects::isNull);
        }
        return Collections.unmodifiableMap(object);
    }

    private static List<Object> array(JsonParser parser, boolean plain) throws IOException {
        List<Object> array = new ArrayList<>();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            array.add(value(parser, token, plain));
        }
        return plain ? Collections.unmodifiableList(array) : array;
    }

    private static Object number(JsonParser parser, JsonToken token) throws IOException {
        checkNumberText(parser);
        int length = parser.getTextLength();
        if (token == JsonToken.VALUE_NUMBER_INT && length <= 18) {
            return parser.getLongValue(); // at most 18 characters, sign included: always a long
        }
        String text = parser.getText();
        if (token == JsonToken.VALUE_NUMBER_INT) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                // beyond a long: Gson read it as a double
            }
        }
        double value = Double.parseDouble(text);
        if (!Double.isFinite(value)) {
            throw new NotAccepted();
        }
        return value;
    }

    /** Refuses the number literals Gson's reader did not take for numbers (see the class comment). */
    private static void checkNumberText(JsonParser parser) throws IOException {
        int length = parser.getTextLength();
        if (length > MAX_NUMBER_CHARS) {
            throw new NotAccepted();
        }
        // Gson accumulated the integer part as -value in a long and took a 0 before another digit for a
        // leading zero. Wrapping to exactly 0 needs a multiple of 2^64, so at least 20 digits and a 21st.
        if (length < 21) {
            return;
        }
        char[] text = parser.getTextCharacters();
        int i = parser.getTextOffset();
        int end = i + length;
        if (text[i] == '-') {
            i++;
        }
        long value = -(text[i++] - '0');
        for (; i < end && text[i] >= '0' && text[i] <= '9'; i++) {
            if (value == 0) {
                throw new NotAccepted();
            }
            value = value * 10 - (text[i] - '0');
        }
    }

    /** A document this reader refuses; carries no message and no stack trace. */
    private static final class NotAccepted extends IOException {
        private static final long serialVersionUID = 1L;

        NotAccepted() {
            super(null, null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
