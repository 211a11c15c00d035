package io.caravan.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class RequestParametersTest {

    final RequestParameters parameters = new RequestParameters();

    @Test
    void absentTakesTheFallbackAndInRangeIsKept() {
        assertThat(parameters.boundedInt("limit", null, 20, 1, 100)).isEqualTo(20);
        assertThat(parameters.boundedInt("limit", " 7 ", 20, 1, 100)).isEqualTo(7);
        assertThat(parameters.boundedInt("limit", "100", 20, 1, 100)).isEqualTo(100);
    }

    @Test
    void outOfRangeOrNotANumberNamesTheParameter() {
        for (String bad : new String[] {"0", "101", "ten", "1.5"}) {
            assertThatThrownBy(() -> parameters.boundedInt("limit", bad, 20, 1, 100))
                    .isInstanceOfSatisfying(InvalidRequestException.class,
                            e -> assertThat(e.errors()).singleElement().satisfies(error -> assertThat(error.field()).isEqualTo("limit")));
        }
    }
}
