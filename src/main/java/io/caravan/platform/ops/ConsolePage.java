package io.caravan.platform.ops;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import javax.crypto.SecretKey;

import io.caravan.platform.security.SecurityProperties;
import io.caravan.platform.security.TokenMinter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The operations console: a static page ({@code static/console/}) at {@code /console}, for role admin
 * only (the console login of {@code SecurityConfiguration}, or an admin bearer token). The page reads
 * and acts through the {@code /ops} and {@code /rabbitmq} APIs, which take bearer tokens only; a signed-in
 * browser gets one for them from {@code GET /console/token}: the session's own user and roles, valid for
 * {@code caravan.ops.console.token-ttl}. Where Caravan verifies tokens from an identity provider (JWKS) it
 * has no key to sign with; that answers 404 and the page asks for an admin token instead.
 */
@Controller
public class ConsolePage {

    private final ObjectProvider<SecretKey> signingKey;
    private final SecurityProperties security;
    private final ConsoleProperties console;

    public ConsolePage(ObjectProvider<SecretKey> signingKey, SecurityProperties security, ConsoleProperties console) {
        this.signingKey = signingKey;
        this.security = security;
        this.console = console;
    }

    @GetMapping({"/console", "/console/"})
    public String page() {
        return "forward:/console/index.html";
    }

    @GetMapping("/console/token")
    public ResponseEntity<?> token(Authentication caller) {
        SecretKey key = signingKey.getIfAvailable();
        if (key == null) {
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
                    "This Caravan verifies tokens from an identity provider and cannot issue one; give the console an admin token.");
            return ResponseEntity.status(HttpStatus.NOT_FOUND).contentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON)
                    .body(problem);
        }
        List<String> roles = caller.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .filter(a -> a.startsWith("ROLE_")).map(a -> a.substring("ROLE_".length())).toList();
        Instant now = Instant.now();
        Instant expires = now.plus(console.tokenTtl());
        String token = new TokenMinter(key, security.jwt().issuer(), security.jwt().rolesClaim())
                .mint(caller.getName(), roles, now, expires);
        return ResponseEntity.ok().cacheControl(CacheControl.noStore())
                .body(Map.of("token", token, "user", caller.getName(), "roles", roles, "expires_at", expires.toString()));
    }
}
