package io.caravan.platform.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/** The decoder checks a token's signature once, and its expiry on every request. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class VerifiedTokensTest {

    private static final SecretKeySpec KEY = new SecretKeySpec("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    private static final SecretKeySpec OTHER_KEY = new SecretKeySpec("fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    private static final Instant NOW = Instant.parse("2026-11-29T08:00:00Z");

    private final MovableClock clock = new MovableClock(NOW);
    private final JwtTimestampValidator timestamps = new JwtTimestampValidator(Duration.ofSeconds(60));
    private final AtomicInteger verifications = new AtomicInteger();
    private final JwtDecoder decoder;

    VerifiedTokensTest() {
        timestamps.setClock(clock);
        NimbusJwtDecoder nimbus = NimbusJwtDecoder.withSecretKey(KEY).macAlgorithm(MacAlgorithm.HS256).build();
        nimbus.setJwtValidator(timestamps);
        decoder = new VerifiedTokens(token -> {
            verifications.incrementAndGet();
            return nimbus.decode(token);
        }, timestamps, 2);
    }

    @Test
    void aTokenSeenBeforeIsNotVerifiedAgain() {
        String token = mint(KEY, "ada", NOW.plus(Duration.ofMinutes(10)));

        assertThat(decoder.decode(token).getSubject()).isEqualTo("ada");
        assertThat(decoder.decode(token).getSubject()).isEqualTo("ada");
        assertThat(verifications).hasValue(1);
    }

    @Test
    void aRememberedTokenIsRefusedOnceItHasExpired() {
        String token = mint(KEY, "ada", NOW.plus(Duration.ofMinutes(2)));
        decoder.decode(token);

        clock.now = NOW.plus(Duration.ofMinutes(4));   // past expiry and the 60 s of clock skew

        assertThatThrownBy(() -> decoder.decode(token)).isInstanceOf(JwtValidationException.class);
        assertThatThrownBy(() -> decoder.decode(token)).isInstanceOf(JwtValidationException.class);
    }

    @Test
    void aForgedTokenIsNeverRemembered() {
        String good = mint(KEY, "ada", NOW.plus(Duration.ofMinutes(10)));
        String forged = mint(OTHER_KEY, "ada", NOW.plus(Duration.ofMinutes(10)));
        decoder.decode(good);

        assertThatThrownBy(() -> decoder.decode(forged)).isInstanceOf(BadJwtException.class);
        assertThatThrownBy(() -> decoder.decode(forged)).isInstanceOf(BadJwtException.class);
        assertThat(verifications).hasValue(3);
    }

    @Test
    void whenFullTheCacheStartsOverAndEveryTokenStillDecodes() {
        for (String user : List.of("a", "b", "c", "d", "a")) {
            assertThat(decoder.decode(mint(KEY, user, NOW.plus(Duration.ofMinutes(10)))).getSubject()).isEqualTo(user);
        }
    }

    private static String mint(SecretKeySpec key, String subject, Instant expiresAt) {
        return new TokenMinter(key, "caravan", "roles").mint(subject, List.of("user"), NOW.minusSeconds(5), expiresAt);
    }

    private static final class MovableClock extends Clock {
        private Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
