package io.caravan.platform.security;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import javax.crypto.SecretKey;

import com.nimbusds.jose.jwk.source.ImmutableSecret;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/** Signs HS256 tokens with Caravan's own key (dev tokens; the tests mint theirs the same way). */
public final class TokenMinter {

    private final NimbusJwtEncoder encoder;
    private final String issuer;
    private final String rolesClaim;

    public TokenMinter(SecretKey key, String issuer, String rolesClaim) {
        this.encoder = new NimbusJwtEncoder(new ImmutableSecret<>(key));
        this.issuer = issuer;
        this.rolesClaim = rolesClaim;
    }

    /** A token for {@code subject} with {@code roles}, valid for {@code ttl} from now. */
    public String mint(String subject, List<String> roles, Duration ttl) {
        Instant now = Instant.now();
        return mint(subject, roles, now, now.plus(ttl));
    }

    /** A token for {@code subject} with {@code roles}, issued and expiring at the given instants. */
    public String mint(String subject, List<String> roles, Instant issuedAt, Instant expiresAt) {
        JwtClaimsSet claims = JwtClaimsSet.builder()
                .issuer(issuer)
                .subject(subject)
                .issuedAt(issuedAt)
                .expiresAt(expiresAt)
                .claim(rolesClaim, roles)
                .build();
        return encoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims)).getTokenValue();
    }
}
