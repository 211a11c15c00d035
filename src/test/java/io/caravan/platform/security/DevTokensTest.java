package io.caravan.platform.security;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/** {@code POST /dev/token}: a ttl that is not positive is the caller's mistake (400 problem+json), not a 500. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DevTokensTest {

    MockMvc mvc;

    @BeforeEach
    void setUp() {
        var key = new SecretKeySpec("dev-tokens-test-secret-of-32-bytes-at-least".getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        var security = new SecurityProperties(new SecurityProperties.Jwt(null, "roles", "caravan"), null, true);
        mvc = MockMvcBuilders.standaloneSetup(new DevTokens(key, security)).build();
    }

    @Test
    void aNegativeOrZeroTtlIs400() throws Exception {
        for (String ttl : new String[]{"-PT1H", "PT0S", "P99999999D"}) {
            mvc.perform(post("/dev/token").param("ttl", ttl))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentTypeCompatibleWith("application/problem+json"))
                    .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("ttl")));
        }
    }

    @Test
    void aPositiveTtlMintsAToken() throws Exception {
        mvc.perform(post("/dev/token").param("user", "alice").param("ttl", "PT5M"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.user").value("alice"));
    }
}
