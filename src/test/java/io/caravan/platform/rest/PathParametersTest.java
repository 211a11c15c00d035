package io.caravan.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Path parameters are percent-decoded once, strictly, and a plus stays a plus. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PathParametersTest {

    @Test
    void decodesUtf8Escapes() {
        assertThat(PathParameters.decode("user_id", "probe%20%C3%A9%202")).isEqualTo("probe é 2");
        assertThat(PathParameters.decode("user_id", "a+b%2Bc")).isEqualTo("a+b+c");
        assertThat(PathParameters.decode("user_id", "100%25")).isEqualTo("100%");
    }

    @Test
    void refusesBadEscapesBadUtf8AndNul() {
        for (String raw : new String[]{"a%2", "a%zz", "%C3%28", "a%00b", "%ED%A0%80"}) {
            assertThatThrownBy(() -> PathParameters.decode("user_id", raw)).as(raw)
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.errors().get(0).field()).isEqualTo("user_id"));
        }
    }
}
