package dev.roomcast.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import java.text.ParseException;
import org.junit.jupiter.api.Test;

/** The parsed-header cache behind token verification: shared, bounded, and never holding a refused header. */
class JwsHeaderCacheTest {

    @Test
    void theSameEncodedHeaderIsParsedOnceAndSharedAsTheLibraryReadsIt() throws ParseException {
        JwsHeaderCache cache = new JwsHeaderCache();
        Base64URL encoded = Base64URL.encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");

        JWSHeader first = cache.parse(encoded);
        JWSHeader second = cache.parse(new Base64URL(encoded.toString()));

        assertThat(second).isSameAs(first);
        assertThat(first.getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
        assertThat(first.toJSONObject()).isEqualTo(JWSHeader.parse(encoded).toJSONObject());
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void aHeaderTheLibraryRefusesIsRefusedEveryTimeAndNeverKept() {
        JwsHeaderCache cache = new JwsHeaderCache();
        Base64URL none = Base64URL.encode("{\"alg\":\"none\"}");

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> cache.parse(none)).isInstanceOf(ParseException.class);
        }
        assertThat(cache.size()).isZero();
    }

    @Test
    void manyDistinctHeadersStillParseButTheCacheStopsAtItsBound() throws ParseException {
        JwsHeaderCache cache = new JwsHeaderCache();

        for (int i = 0; i < 1_000; i++) {
            JWSHeader header = cache.parse(Base64URL.encode("{\"alg\":\"HS256\",\"kid\":\"k" + i + "\"}"));
            assertThat(header.getKeyID()).isEqualTo("k" + i);
        }

        assertThat(cache.size()).isEqualTo(JwsHeaderCache.MAX_ENTRIES);
    }
}
