package io.caravan.platform.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call Caravan ({@code caravan.security.*}).
 *
 * @param jwt       bearer tokens: an HMAC secret here, or a JWKS/issuer in
 *                  {@code spring.security.oauth2.resourceserver.jwt.*}
 * @param console   the login for Hawtio's browser console (role admin)
 * @param devTokens dev only: {@code POST /dev/token} mints tokens and a token is printed at start-up
 */
@ConfigurationProperties("caravan.security")
public record SecurityProperties(Jwt jwt, Console console, @DefaultValue("false") boolean devTokens) {

    public SecurityProperties {
        jwt = jwt == null ? new Jwt(null, "roles", "caravan") : jwt;
        console = console == null ? new Console(null, null) : console;
    }

    /**
     * @param secret     HMAC-SHA256 key, at least 32 bytes; empty when a JWKS or issuer is configured
     * @param rolesClaim the claim holding the caller's roles ({@code user}, {@code admin})
     * @param issuer     the {@code iss} of tokens Caravan mints itself (dev tokens)
     */
    public record Jwt(String secret, @DefaultValue("roles") String rolesClaim, @DefaultValue("caravan") String issuer) { }

    /** The console login; when unset the console accepts admin bearer tokens only. */
    public record Console(String username, String password) {
        public boolean configured() {
            return username != null && !username.isBlank() && password != null && !password.isBlank();
        }
    }
}
