package io.caravan.platform.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidationException;

/**
 * A {@link JwtDecoder} that verifies a token's signature once: a client sends the same token with every
 * request for the token's lifetime, and parsing it, checking its HMAC and converting its claims is the same
 * work with the same result each time. What depends on the moment or on the request does not come from the
 * cache: the {@code validator} (expiry and not-before with their clock skew, the certificate binding of a
 * {@code cnf} claim) runs on every decode, so a remembered token is refused as soon as it expires, and is
 * forgotten then.
 *
 * <p>A token is remembered by its whole compact form, signature included, so only a byte-for-byte identical
 * token is taken from the cache. At most {@code capacity} tokens are kept; when full the cache starts over.
 */
public final class VerifiedTokens implements JwtDecoder {

    private final JwtDecoder decoder;
    private final OAuth2TokenValidator<Jwt> validator;
    private final int capacity;
    private final Map<String, Jwt> verified = new ConcurrentHashMap<>();

    /**
     * @param decoder   the decoder that verifies a token it has not seen (signature, claims and {@code validator})
     * @param validator the checks that run again on every decode of a remembered token
     * @param capacity  how many verified tokens to keep
     */
    public VerifiedTokens(JwtDecoder decoder, OAuth2TokenValidator<Jwt> validator, int capacity) {
        this.decoder = decoder;
        this.validator = validator;
        this.capacity = capacity;
    }

    @Override
    public Jwt decode(String token) throws JwtException {
        Jwt jwt = token == null ? null : verified.get(token);
        if (jwt == null) {
            jwt = decoder.decode(token);
            if (verified.size() >= capacity) {
                verified.clear();
            }
            verified.put(token, jwt);
            return jwt;
        }
        OAuth2TokenValidatorResult result = validator.validate(jwt);
        if (result.hasErrors()) {
            verified.remove(token);
            throw new JwtValidationException(result.getErrors().iterator().next().getDescription(), result.getErrors());
        }
        return jwt;
    }
}
