package io.caravan.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import javax.crypto.spec.SecretKeySpec;

import io.caravan.platform.security.TokenMinter;

/** Bearer tokens for tests, signed with the key the test application is configured with. */
public final class Tokens {

    /** The HMAC secret every test application uses (caravan.security.jwt.secret). */
    public static final String SECRET = "caravan-tests-hmac-secret-of-at-least-32-bytes";

    private static final TokenMinter MINTER = minter(SECRET);

    private Tokens() {
    }

    public static String of(String user, String... roles) {
        return MINTER.mint(user, List.of(roles), Duration.ofMinutes(30));
    }

    /** An operator allowed everything: roles user and admin. */
    public static String operator() {
        return of("test-operator", "user", "admin");
    }

    public static String expired(String user, String... roles) {
        java.time.Instant now = java.time.Instant.now();
        return MINTER.mint(user, List.of(roles), now.minus(Duration.ofMinutes(10)), now.minus(Duration.ofMinutes(5)));
    }

    /** A well-formed token signed with another key. */
    public static String foreign(String user, String... roles) {
        return minter("some-other-secret-that-is-32-bytes-long!!").mint(user, List.of(roles), Duration.ofMinutes(30));
    }

    private static TokenMinter minter(String secret) {
        return new TokenMinter(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"), "caravan", "roles");
    }
}
