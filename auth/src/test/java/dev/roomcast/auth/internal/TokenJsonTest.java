package dev.roomcast.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link TokenJson} against the parser it replaced, nimbus-jose-jwt's {@code JSONObjectUtils.parse} of
 * the UTF-8-decoded text: the same documents accepted, with the same members in the same order and the
 * same value types ({@code Long} vs {@code Double}, nulls kept or dropped).
 */
@Timeout(60)
class TokenJsonTest {
    private final TokenJson json = new TokenJson();

    /** Documents on either side of each rule and quirk the class comment lists, and of plain JSON syntax. */
    static final List<String> DOCUMENTS = List.of(
            "{}", "[]", " [ ] ", "null", "", " ", "\"s\"", "1", "true", "{\"a\":1}", "  {\"a\":1}\r\n\t",
            "{\"a\":1,\"a\":2}", "{\"a\":null,\"a\":1}", "{\"a\":1,\"a\":null}", "{\"alg\":\"HS256\",\"alg\":\"HS256\"}",
            "{\"x\":{\"y\":1,\"y\":2}}", "{\"x\":{\"y\":1,\"z\":0,\"y\":null,\"y\":3}}", "{\"x\":{\"y\":null}}",
            "[[\"a\",1]]", "[[\"a\",1],[\"a\",2]]", "[[\"a\",null],[\"a\",2]]", "[[1,2]]", "[[true,1]]", "[[false,{}]]",
            "[[null,1]]", "[[\"a\"]]", "[[\"a\",1,2]]", "[[]]", "[1]", "[null]", "[[1.50,1]]", "[[-0,1]]", "[[1e2,1]]",
            "[[{},1]]", "[[[],1]]", "[[\"sub\",\"alice\"],[\"exp\",99]]", "[[\"a\",1]] x", "[[\"a\",1]],",
            "{a:1}", "{'a':1}", "{\"a\":'x'}", "{\"a\":x}", "{\"a\":1} x", "{\"a\":1}{}", "{\"a\":1,}", "{\"a\":[1,,2]}",
            "{\"a\":[1,2,]}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":-Infinity}", "{\"a\":1e400}", "{\"a\":-1e400}",
            "{\"a\":1.0e400}", "{\"a\":1e308}", "{\"a\":1e309}", "{\"a\":1e-400}", "{\"a\":-0}", "{\"a\":-0.0}", "{\"a\":1.0}",
            "{\"a\":1e2}", "{\"a\":1E+2}", "{\"a\":2.5e1}", "{\"a\":01}", "{\"a\":-01}", "{\"a\":.5}", "{\"a\":+1}",
            "{\"a\":1.}", "{\"a\":0x10}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":1e+}", "{\"a\":1.5.3}",
            "{\"a\":9223372036854775807}", "{\"a\":9223372036854775808}", "{\"a\":-9223372036854775808}",
            "{\"a\":-9223372036854775809}", "{\"a\":12345678901234567890}", "{\"a\":123456789012345678901234567890}",
            "{\"a\":18446744073709551616}", "{\"a\":184467440737095516160}", "{\"a\":-184467440737095516161}",
            "{\"a\":184467440737095516160.5}", "{\"a\":1" + "0".repeat(64) + "}", "{\"a\":1" + "0".repeat(65) + "}",
            "{\"a\":1" + "0".repeat(300) + "}", "{\"a\":0." + "1".repeat(1021) + "}", "{\"a\":0." + "1".repeat(1022) + "}",
            "{\"a\":1e" + "0".repeat(1020) + "1}", "{\"a\":1e" + "0".repeat(1021) + "1}", "[[1" + "0".repeat(65) + ",1]]",
            "{\"a\":1;\"b\":2}", "{\"a\"=1}", "/*c*/{\"a\":1}", "{\"a\":1}//c", "#c\n{\"a\":1}", ")]}'\n{\"a\":1}",
            "{\"a\":\"\u0001\"}", "{\"a\":\"x\ny\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\'\"}", "{\"a\":\"\\/\"}", "{\"a\":\"\\u12\"}",
            "{\"a\":\"\\U0041\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\uD83D\\uDE00\"}", "{\"a\":\"\\u0000\"}", "{\"a\":\"\u007f\"}",
            "{\"a\":\"\u2028\"}", "{\"a\":\"é\"}", "{\"é\":1}", "{\"\\ud800\":1}", "{\"a\\udc00b\":1}", "{\"x\":{\"\\uD800\":1}}",
            "[[\"\\ud800\",1]]", "{\"\\ud83d\\ude00\":1}", "{\"\\\\ud800\":1}", "{\"\\ud800\":1,\"\\ud800\":2}", "{\"\\ud800\":1}x",
            "{\"\\ud800\":{\"b\":null,\"b\":[null]},\"c\":null}", "{\"a\":tru}", "{\"a\":True}", "{\"a\":nul}",
            "\uFEFF{\"a\":1}", "\uFEFF\uFEFF{}", " \uFEFF{}", "\uFEFF", "\uFEFF {}", "{\"a\":1}\uFEFF",
            "{\"a\":1}\u0000", "\u0000{}", "{\"a\":1}\f", "{\"a\":1}\u000b", "{\"a\":1}\u00a0", "{\"a\":1}\u001e",
            "{\"a\":1} ;", "{\"a\":1}/", "{\"a\":1}#", "{\"a\":1}]", "{\"a\":1", "{\"a\":[1]]}", "{\"\":1}", "{\"a\":1, 2:3}",
            "{\"a\":true,\"b\":false,\"c\":null,\"d\":[null,1,\"x\",{\"e\":null}]}",
            "{\"sub\":\"alice\",\"exp\":1700000000,\"roles\":[\"a\",\"b\"],\"org\":{\"id\":7,\"tags\":[\"a\",1.5,true]}}",
            "{\"a\":" + "[".repeat(254) + "]".repeat(254) + "}", "{\"a\":" + "[".repeat(255) + "]".repeat(255) + "}",
            "{\"a\":" + "{\"b\":".repeat(254) + "1" + "}".repeat(254) + "}",
            "{\"a\":" + "{\"b\":".repeat(255) + "1" + "}".repeat(255) + "}",
            "[[\"a\"," + "[".repeat(253) + "]".repeat(253) + "]]", "[[\"a\"," + "[".repeat(254) + "]".repeat(254) + "]]",
            "{\"a\":\"" + "x".repeat(20_000) + "\"}", "{\"" + "k".repeat(20_000) + "\":1}");

    @Test
    void everyListedDocumentIsReadAsTheLibraryReadIt() {
        for (String document : DOCUMENTS) {
            assertSameAsLibrary(document.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void malformedUtf8AndByteOrderMarksAreReadAsTheLibraryReadThem() {
        byte[][] documents = {
                bytes("{\"a\":\"", 0xff, 0xc3, "\"}"), bytes("{\"a\":\"", 0xed, 0xa0, 0x80, "\"}"),
                bytes("{\"a\":\"", 0xc0, 0xaf, "\"}"), bytes(0xef, 0xbb, 0xbf, "{}"), bytes(0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, "{}"),
                bytes(0xfe, 0xff, 0, '{', 0, '}'), bytes(0, '{', 0, '"', 0, 'a', 0, '"', 0, ':', 0, '1', 0, '}'),
                bytes('{', 0, '}', 0), bytes("{\"a\":1}", 0), bytes(0xff, "{}"), bytes("{\"", 0xe9, "\":1}"),
        };
        for (byte[] document : documents) {
            assertSameAsLibrary(document);
        }
    }

    @Test
    void randomlyCorruptedDocumentsAreReadAsTheLibraryReadThem() {
        Random random = new Random(20_260_917);
        List<String> seeds = List.of(
                "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
                "{\"sub\":\"alice\",\"exp\":1700000000,\"name\":\"Al\",\"roles\":[\"a\"],\"x\":{\"y\":[1.5,null,true]}}",
                "[[\"alg\",\"HS256\"],[\"kid\",7]]");
        List<String> fragments = List.of("{", "}", "[", "]", ",", ":", "\"", "\\", "\\u00e9", "\\ud800", "0", "1", "-", "+", ".",
                "e", "E", "9", "null", "true", "false", "1e400", "184467440737095516160", "9223372036854775808", "-0",
                " ", "\t", "\n", "\r", "\f", "\u0000", "\u0001", "\u007f", "é", "\uFEFF", "\u2028", "/", "#", ";", "=", "'",
                "\"alg\"", "\"a\":null", "\"a\":1", "[[", "]]", "{}", "[]");
        for (int round = 0; round < 20_000; round++) {
            StringBuilder text = new StringBuilder(seeds.get(random.nextInt(seeds.size())));
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(text.length() + 1);
                switch (random.nextInt(3)) {
                    case 0 -> text.insert(at, fragments.get(random.nextInt(fragments.size())));
                    case 1 -> {
                        if (at < text.length()) {
                            text.deleteCharAt(at);
                        }
                    }
                    default -> {
                        if (at < text.length()) {
                            text.replace(at, at + 1, fragments.get(random.nextInt(fragments.size())));
                        }
                    }
                }
            }
            byte[] utf8 = text.toString().getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(10) == 0) {
                utf8[random.nextInt(utf8.length)] = (byte) (0x80 + random.nextInt(0x80));
            }
            assertSameAsLibrary(utf8);
        }
    }

    private void assertSameAsLibrary(byte[] utf8) {
        String text = new String(utf8, StandardCharsets.UTF_8);
        Optional<Map<String, Object>> library = libraryParse(text);
        String shown = text.length() > 120 ? text.substring(0, 120) + "…(" + text.length() + " chars)" : text;
        assertThat(json.header(utf8).map(TokenJsonTest::describe)).as("header %s", shown)
                .isEqualTo(library.map(TokenJsonTest::describe));
        assertThat(json.claims(utf8).map(TokenJsonTest::describe)).as("claims %s", shown)
                .isEqualTo(library.map(LibraryPlain::object).map(TokenJsonTest::describe));
    }

    private static Optional<Map<String, Object>> libraryParse(String text) {
        try {
            return Optional.ofNullable(JSONObjectUtils.parse(text));
        } catch (ParseException e) {
            return Optional.empty();
        }
    }

    /** The value with its types and member order spelled out, so that equal descriptions mean equal reads. */
    static String describe(Object value) {
        return switch (value) {
            case null -> "null";
            case Map<?, ?> map -> {
                StringBuilder out = new StringBuilder("{");
                map.forEach((k, v) -> out.append(describe(k)).append(':').append(describe(v)).append(','));
                yield out.append('}').toString();
            }
            case List<?> list -> {
                StringBuilder out = new StringBuilder("[");
                list.forEach(v -> out.append(describe(v)).append(','));
                yield out.append(']').toString();
            }
            case String s -> "S\"" + s + "\"";
            default -> value.getClass().getSimpleName().charAt(0) + String.valueOf(value);
        };
    }

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            } else if (part instanceof Character c) {
                out.write(c);
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }

    /** The former {@code PlainJson}: what the claim rules and identities were given before. */
    static final class LibraryPlain {
        static Map<String, Object> object(Map<?, ?> json) {
            Map<String, Object> copy = new LinkedHashMap<>();
            json.forEach((key, value) -> {
                if (value != null) {
                    copy.put(String.valueOf(key), value(value));
                }
            });
            return Collections.unmodifiableMap(copy);
        }

        private static Object value(Object value) {
            return switch (value) {
                case Map<?, ?> map -> object(map);
                case List<?> list -> {
                    List<Object> copy = new ArrayList<>(list.size());
                    for (Object element : list) {
                        copy.add(element == null ? null : value(element));
                    }
                    yield Collections.unmodifiableList(copy);
                }
                default -> value;
            };
        }
    }
}
