package io.caravan.platform.rest;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.springframework.stereotype.Component;

/**
 * Path parameters as the caller meant them. Camel's platform-http takes {@code {user_id}} from the raw
 * request URI, so {@code /chat/history/probe%20%C3%A9%202} would reach the flow as
 * {@code probe%20%C3%A9%202}, not as the user {@code probe é 2}. Applied once per request by
 * {@link RestErrorPolicy} as the request enters its first REST-facing route; a {@code +} stays a plus
 * (it means a space only in query strings).
 */
@Component("pathParameters")
public class PathParameters {

    static final String DECODED = "caravanPathParametersDecoded";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^}/]+)}");

    public void decode(Exchange exchange) {
        if (exchange.getProperty(DECODED) != null) {
            return;
        }
        exchange.setProperty(DECODED, true);
        Endpoint from = exchange.getFromEndpoint();
        if (!(from instanceof PlatformHttpEndpoint http) || http.getPath() == null) {
            return;
        }
        Matcher placeholders = PLACEHOLDER.matcher(http.getPath());
        while (placeholders.find()) {
            String name = placeholders.group(1);
            if (exchange.getMessage().getHeader(name) instanceof String raw && raw.indexOf('%') >= 0) {
                exchange.getMessage().setHeader(name, decode(name, raw));
            }
        }
    }

    /** Percent-decoded as UTF-8, strictly: a bad escape, bad UTF-8 or a NUL is the caller's mistake. */
    static String decode(String name, String raw) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length() || !HexFormat.isHexDigit(raw.charAt(i + 1)) || !HexFormat.isHexDigit(raw.charAt(i + 2))) {
                    throw new InvalidRequestException(name, "is not a well-encoded path segment");
                }
                bytes.write(HexFormat.fromHexDigits(raw, i + 1, i + 3));
                i += 2;
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidRequestException(name, "is not valid UTF-8 once percent-decoded");
        }
        if (text.indexOf(0) >= 0) {
            throw new InvalidRequestException(name, "contains a NUL character");
        }
        return text;
    }
}
