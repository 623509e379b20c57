package dev.roomcast.auth.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A room-name pattern such as {@code team:{sub}:*}: literal room-name characters, {@code *} for any
 * run of characters (including none and including {@code :}), and {@code {claim}} for a value of the
 * identity substituted before matching. A substituted value must itself be a plain name segment (letters, digits, {@code _ . -}): it is
 * matched literally, so a subject {@code *} is not a wildcard, and a value containing {@code :} never
 * matches, so a subject such as {@code alice:x} cannot reach into {@code team:alice:x:…}. When a
 * placeholder has no such value the pattern matches nothing.
 */
public final class RoomPattern {
    private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9:_.\\-]+");
    private static final Pattern PLACEHOLDER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern SEGMENT_VALUE = Pattern.compile("[A-Za-z0-9_.\\-]+");

    private final String source;
    private final List<Part> parts;

    private RoomPattern(String source, List<Part> parts) {
        this.source = source;
        this.parts = List.copyOf(parts);
    }

    /** Parses {@code pattern}, throwing {@link IllegalArgumentException} that names the problem. */
    public static RoomPattern parse(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        if (pattern.isEmpty()) {
            throw new IllegalArgumentException("room pattern: expected a non-empty pattern");
        }
        List<Part> parts = new ArrayList<>();
        int i = 0;
        while (i < pattern.length()) {
            char c = pattern.charAt(i);
            if (c == '*') {
                parts.add(new Part.Wildcard());
                i++;
            } else if (c == '{') {
                int close = pattern.indexOf('}', i);
                if (close < 0) {
                    throw new IllegalArgumentException("room pattern '" + pattern + "': expected '}' after '{' at index " + i);
                }
                String name = pattern.substring(i + 1, close);
                if (!PLACEHOLDER.matcher(name).matches()) {
                    throw new IllegalArgumentException("room pattern '" + pattern + "': expected a claim name in {…} but was '" + name + "'");
                }
                parts.add(new Part.Placeholder(name));
                i = close + 1;
            } else {
                int end = i;
                while (end < pattern.length() && pattern.charAt(end) != '*' && pattern.charAt(end) != '{') {
                    end++;
                }
                String literal = pattern.substring(i, end);
                if (!LITERAL.matcher(literal).matches()) {
                    throw new IllegalArgumentException("room pattern '" + pattern
                            + "': expected letters, digits, ':', '_', '.', '-', '*' or {claim} but found '" + literal + "'");
                }
                parts.add(new Part.Literal(literal));
                i = end;
            }
        }
        return new RoomPattern(pattern, parts);
    }

    /** Whether {@code room} matches, with placeholders resolved by {@code values}. */
    public boolean matches(String room, Function<String, Optional<String>> values) {
        // After substitution '*' can only be a wildcard: literals and values never contain it.
        StringBuilder glob = new StringBuilder();
        for (Part part : parts) {
            switch (part) {
                case Part.Literal literal -> glob.append(literal.text());
                case Part.Wildcard wildcard -> glob.append('*');
                case Part.Placeholder placeholder -> {
                    Optional<String> value = values.apply(placeholder.name());
                    if (value.isEmpty() || !SEGMENT_VALUE.matcher(value.get()).matches()) {
                        return false;
                    }
                    glob.append(value.get());
                }
            }
        }
        return globMatches(glob, room);
    }

    @Override
    public String toString() {
        return source;
    }

    /** Wildcard matching with single-star backtracking: linear for one '*', O(n·m) at worst, and names are ≤ 128 chars. */
    private static boolean globMatches(CharSequence glob, String text) {
        int g = 0;
        int t = 0;
        int starAt = -1;
        int retryFrom = 0;
        while (t < text.length()) {
            if (g < glob.length() && glob.charAt(g) == '*') {
                starAt = g++;
                retryFrom = t;
            } else if (g < glob.length() && glob.charAt(g) == text.charAt(t)) {
                g++;
                t++;
            } else if (starAt >= 0) {
                g = starAt + 1;
                t = ++retryFrom;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }

    private sealed interface Part {
        record Literal(String text) implements Part {
        }

        record Wildcard() implements Part {
        }

        record Placeholder(String name) implements Part {
        }
    }
}
