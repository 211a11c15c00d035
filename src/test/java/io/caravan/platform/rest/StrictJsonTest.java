package io.caravan.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one strict JSON reading every ingress uses: what it refuses and which field it names. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StrictJsonTest {

    final StrictJson strict = new StrictJson();

    @Test
    void aPlainDocumentIsRead() {
        var node = strict.read(utf8("{\"message\": \"h\\u00e9llo \\ud83d\\ude00\", \"n\": 9223372036854775807, \"d\": 1.5e300}"));

        assertThat(node.get("message").asText()).isEqualTo("héllo 😀");
        assertThat(node.get("n").asLong()).isEqualTo(Long.MAX_VALUE);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty                 | ''                                  | body",
            "blank                 | '  \n '                             | body",
            "null document         | null                                | body",
            "trailing garbage      | {\"a\": 1} garbage                  | body",
            "two documents         | {\"a\": 1}{\"a\": 2}                | body",
            "duplicate key         | {\"a\": 1, \"a\": 2}                | a",
            "NUL in a string       | {\"a\": {\"b\": \"x\\u0000y\"}}     | a.b",
            "NUL in a key          | {\"a\\u0000\": 1}                   | body",
            "lone high surrogate   | {\"a\": [\"\\ud800\"]}              | a[0]",
            "lone low surrogate    | {\"a\": \"x\\udc00y\"}              | a",
            "integer beyond 64 bit | {\"id\": 9223372036854775808}       | id",
            "integer below 64 bit  | {\"id\": -9223372036854775809}      | id",
            "not a finite double   | {\"price\": 1e309}                  | price",
            "negative infinity     | {\"price\": -1e309}                 | price",
            "not JSON              | hello                               | body",
    })
    void isRefusedNamingTheField(String what, String body, String field) {
        assertThatThrownBy(() -> strict.read(utf8(body)))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.errors().get(0).field()).isEqualTo(field));
    }

    @Test
    void invalidUtf8IsRefused() {
        byte[] body = {'{', '"', 'a', '"', ':', '"', 'x', (byte) 0xC3, (byte) 0x28, '"', '}'};

        assertThatThrownBy(() -> strict.read(body))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.getMessage()).contains("UTF-8"));
    }

    @Test
    void utf8EncodedSurrogatesAreRefused() {
        byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'};

        assertThatThrownBy(() -> strict.read(body)).isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void nestingBeyondTheLimitIsRefused() {
        assertThatThrownBy(() -> strict.read(utf8("[".repeat(5000) + "]".repeat(5000)))).isInstanceOf(InvalidRequestException.class);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
