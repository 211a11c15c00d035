package io.caravan.platform.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caravan.platform.rest.JsonBodyFilter;
import io.caravan.platform.rest.ProblemWriter;
import io.caravan.platform.rest.StrictJson;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.convert.converter.Converter;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;

/**
 * Security for all of Caravan. Bearer JWTs (an HMAC secret, or a JWKS/issuer through Spring's
 * {@code spring.security.oauth2.resourceserver.jwt.*}); roles from the {@code roles} claim:
 * {@code user} for the flows, {@code admin} for operations (purge, replay, flow reload), Hawtio and
 * the actuator (but liveness and readiness, which are open). Missing or bad token → 401, wrong role →
 * 403, both problem+json. Hawtio's browser console logs in with a form (role admin) or takes an admin
 * bearer token. Without a key Caravan does not start, except in dev, where a random key is made and
 * {@code POST /dev/token} mints tokens.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(SecurityConfiguration.class);
    /** How many verified tokens the decoder remembers (each a few hundred bytes). */
    private static final int VERIFIED_TOKENS = 10_000;
    private static final String NO_JWKS = "'${spring.security.oauth2.resourceserver.jwt.jwk-set-uri:}' == '' "
            + "and '${spring.security.oauth2.resourceserver.jwt.issuer-uri:}' == ''";

    /** The HMAC key: configured, or (dev tokens on) made for this run; without either Caravan refuses to start. */
    @Bean
    @ConditionalOnExpression(NO_JWKS)
    SecretKey jwtSigningKey(SecurityProperties security) {
        String secret = security.jwt().secret();
        if (secret != null && !secret.isBlank()) {
            byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < 32) {
                throw new IllegalStateException("CARAVAN_JWT_SECRET (caravan.security.jwt.secret) must be at least 32 bytes for HS256");
            }
            return new SecretKeySpec(bytes, "HmacSHA256");
        }
        if (security.devTokens()) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            LOG.warn("DEV: no JWT key configured; using a random key for this run only (tokens end with it). "
                    + "Production refuses to start without CARAVAN_JWT_SECRET or a JWKS.");
            return new SecretKeySpec(random, "HmacSHA256");
        }
        throw new IllegalStateException("No JWT key configured: set CARAVAN_JWT_SECRET (HMAC, at least 32 bytes) or "
                + "SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_JWK_SET_URI / _ISSUER_URI. Caravan has no built-in key.");
    }

    @Bean
    @ConditionalOnExpression(NO_JWKS)
    JwtDecoder jwtDecoder(SecretKey jwtSigningKey) {
        NimbusJwtDecoder verifier = NimbusJwtDecoder.withSecretKey(jwtSigningKey).macAlgorithm(MacAlgorithm.HS256).build();
        OAuth2TokenValidator<Jwt> validator = JwtValidators.createDefault();
        verifier.setJwtValidator(validator);
        // a signature is checked once per token; expiry and the other validators on every request
        return new VerifiedTokens(verifier, validator, VERIFIED_TOKENS);
    }

    /**
     * No observations (traces, timers) of Spring Security's filters, authentications and authorizations: they
     * were a fifth of a request's CPU. Every check still runs; only its instrumentation is gone.
     */
    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    @Bean
    JwtAuthenticationConverter jwtAuthenticationConverter(SecurityProperties security) {
        JwtAuthenticationConverter converter = new JwtAuthenticationConverter();
        converter.setJwtGrantedAuthoritiesConverter(roles(security.jwt().rolesClaim()));
        return converter;
    }

    /** The console login: configured, or (dev) admin with a password made for this run and logged. */
    @Bean
    UserDetailsService consoleUsers(SecurityProperties security) {
        InMemoryUserDetailsManager users = new InMemoryUserDetailsManager();
        SecurityProperties.Console console = security.console();
        if (console.configured()) {
            String password = console.password().startsWith("{") ? console.password() : "{noop}" + console.password();
            users.createUser(User.withUsername(console.username()).password(password).roles("admin").build());
        } else if (security.devTokens()) {
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(new SecureRandom().generateSeed(12));
            users.createUser(User.withUsername("admin").password("{noop}" + password).roles("admin").build());
            LOG.warn("DEV: Hawtio console login for this run: admin / {} (set CARAVAN_CONSOLE_USER/PASSWORD to choose)", password);
        }
        return users;
    }

    /** Hawtio and Jolokia: a browser session after a form login, or an admin bearer token (scripts). */
    @Bean
    @Order(1)
    SecurityFilterChain consoleSecurity(HttpSecurity http, JwtAuthenticationConverter jwt, ProblemWriter problems) throws Exception {
        CsrfTokenRequestAttributeHandler csrfHandler = new CsrfTokenRequestAttributeHandler();
        csrfHandler.setCsrfRequestAttributeName(null); // Hawtio reads the XSRF-TOKEN cookie itself
        LoginUrlAuthenticationEntryPoint loginForm = new LoginUrlAuthenticationEntryPoint("/login");
        return http
                .securityMatcher(SecurityConfiguration::isConsole)
                .authorizeHttpRequests(a -> a.requestMatchers("/login").permitAll().anyRequest().hasRole("admin"))
                .formLogin(form -> form.defaultSuccessUrl("/actuator/hawtio/", false))
                .oauth2ResourceServer(o -> o
                        .jwt(j -> j.jwtAuthenticationConverter(jwt))
                        .authenticationEntryPoint((req, res, ex) -> unauthorized(problems, req, res)))
                // CSRF guards the console's session cookie. A request with a bearer token, or without any session
                // to ride on, carries no ambient credential: it is authenticated (or refused 401) like any other,
                // so an anonymous POST is told to authenticate rather than that its CSRF token is missing.
                .csrf(csrf -> csrf.csrfTokenRepository(CookieCsrfTokenRepository.withHttpOnlyFalse())
                        .csrfTokenRequestHandler(csrfHandler)
                        .ignoringRequestMatchers(request -> request.getHeader("Authorization") != null
                                || request.getSession(false) == null && !"/login".equals(path(request))))
                // a browser is sent to the login form; a script (Jolokia clients, curl) gets 401 problem+json
                .exceptionHandling(e -> e
                        .defaultAuthenticationEntryPointFor(loginForm, SecurityConfiguration::wantsHtml)
                        .defaultAuthenticationEntryPointFor((req, res, ex) -> unauthorized(problems, req, res), request -> true)
                        .accessDeniedHandler((req, res, ex) -> problems.write(req, res, HttpStatus.FORBIDDEN,
                                "This needs the admin role.")))
                .build();
    }

    /** Everything else: stateless bearer tokens. */
    @Bean
    @Order(2)
    SecurityFilterChain apiSecurity(HttpSecurity http, JwtAuthenticationConverter jwt, ProblemWriter problems, StrictJson strictJson)
            throws Exception {
        return http
                .authorizeHttpRequests(a -> a
                        .requestMatchers("/actuator/health/liveness", "/actuator/health/readiness", "/api-doc", "/api-doc/**",
                                "/dev/token", "/error").permitAll()
                        .requestMatchers("/actuator/**", "/ops/**").hasRole("admin")
                        .requestMatchers(HttpMethod.POST, "/rabbitmq/queues/*/purge", "/domain-events/replay").hasRole("admin")
                        .anyRequest().hasAnyRole("user", "admin"))
                .oauth2ResourceServer(o -> o
                        .jwt(j -> j.jwtAuthenticationConverter(jwt))
                        .authenticationEntryPoint((req, res, ex) -> unauthorized(problems, req, res))
                        .accessDeniedHandler((req, res, ex) -> forbidden(problems, req, res)))
                .exceptionHandling(e -> e
                        .authenticationEntryPoint((req, res, ex) -> unauthorized(problems, req, res))
                        .accessDeniedHandler((req, res, ex) -> forbidden(problems, req, res)))
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .addFilterAfter(new CallerHeaders(), BearerTokenAuthenticationFilter.class)
                // the JSON door, once the caller is known to be allowed in
                .addFilterAfter(new JsonBodyFilter(strictJson, problems), AuthorizationFilter.class)
                .build();
    }

    @Bean
    ProblemWriter problemWriter(ObjectMapper json) {
        return new ProblemWriter(json);
    }

    /**
     * Paths Spring Security's firewall refuses ({@code ;}, {@code %2e%2e}, {@code %5C}, …): 400 problem+json
     * rather than the container's default error.
     */
    @Bean
    RequestRejectedHandler requestRejectedHandler(ProblemWriter problems) {
        return (request, response, e) -> problems.write(request, response, HttpStatus.BAD_REQUEST,
                "The request's path or headers are not acceptable: " + e.getMessage());
    }

    /**
     * Hawtio, Jolokia, the operations console ({@code /console}) and the login pages. Matched on the request path: Jolokia is its own servlet,
     * which Spring MVC's path matchers (used for string patterns) do not see.
     */
    private static boolean isConsole(HttpServletRequest request) {
        String path = path(request);
        return path.startsWith("/actuator/hawtio") || path.startsWith("/actuator/jolokia")
                || path.equals("/console") || path.startsWith("/console/")
                || path.equals("/login") || path.equals("/logout");
    }

    private static String path(HttpServletRequest request) {
        return request.getRequestURI().substring(request.getContextPath().length());
    }

    private static boolean wantsHtml(HttpServletRequest request) {
        String accept = request.getHeader("Accept");
        return accept != null && accept.contains("text/html");
    }

    private static Converter<Jwt, Collection<GrantedAuthority>> roles(String claim) {
        return token -> {
            List<GrantedAuthority> authorities = new ArrayList<>();
            Object roles = token.getClaims().get(claim);
            if (roles instanceof Collection<?> list) {
                list.forEach(r -> authorities.add(new SimpleGrantedAuthority("ROLE_" + r)));
            } else if (roles instanceof String text) {
                for (String r : text.split("[,\\s]+")) {
                    if (!r.isBlank()) {
                        authorities.add(new SimpleGrantedAuthority("ROLE_" + r));
                    }
                }
            }
            return authorities;
        };
    }

    private static void unauthorized(ProblemWriter problems, HttpServletRequest req, HttpServletResponse res) throws IOException {
        res.setHeader("WWW-Authenticate", "Bearer");
        problems.write(req, res, HttpStatus.UNAUTHORIZED, "A valid bearer token is required.");
    }

    private static void forbidden(ProblemWriter problems, HttpServletRequest req, HttpServletResponse res) throws IOException {
        problems.write(req, res, HttpStatus.FORBIDDEN, "Your token does not carry the role this needs.");
    }
}
