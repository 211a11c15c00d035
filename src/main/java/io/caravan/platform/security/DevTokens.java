package io.caravan.platform.security;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import javax.crypto.SecretKey;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * DEV ONLY ({@code caravan.security.dev-tokens=true}; false in the prod profile): {@code POST /dev/token}
 * mints a bearer token for any user and roles, and a ready-made admin token is logged at start-up.
 */
@RestController
@ConditionalOnProperty(name = "caravan.security.dev-tokens", havingValue = "true")
public class DevTokens {

    private static final Logger LOG = LoggerFactory.getLogger(DevTokens.class);

    private static final Duration MAX_TTL = Duration.ofDays(366);

    private final TokenMinter minter;

    public DevTokens(SecretKey jwtSigningKey, SecurityProperties security) {
        this.minter = new TokenMinter(jwtSigningKey, security.jwt().issuer(), security.jwt().rolesClaim());
    }

    @PostMapping("/dev/token")
    public ResponseEntity<?> token(@RequestParam(defaultValue = "dev-user") String user,
                                     @RequestParam(defaultValue = "user") String roles,
                                     @RequestParam(defaultValue = "PT8H") Duration ttl) {
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            // the caller's mistake, not the server's: a ttl that mints a dead token, or one no clock can hold
            return ResponseEntity.badRequest().contentType(MediaType.APPLICATION_PROBLEM_JSON).body(ProblemDetail.forStatusAndDetail(
                    HttpStatus.BAD_REQUEST, "ttl must be positive and at most " + MAX_TTL + ", not " + ttl));
        }
        List<String> roleList = Arrays.stream(roles.split(",")).map(String::trim).filter(r -> !r.isEmpty()).toList();
        return ResponseEntity.ok(Map.of("token", minter.mint(user, roleList, ttl), "user", user, "roles", roleList,
                "expires_at", Instant.now().plus(ttl).toString(), "dev_only", true));
    }

    @EventListener(ApplicationReadyEvent.class)
    public void printToken() {
        LOG.warn("DEV ONLY: admin bearer token for this run (8 h): {}  — more from POST /dev/token?user=alice&roles=user",
                minter.mint("dev-admin", List.of("user", "admin"), Duration.ofHours(8)));
    }
}
