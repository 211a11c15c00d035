package io.caravan.platform.rest;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.caravan.platform.broker.PoisonMessageException;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * The one way Caravan reads a JSON document that comes in, at every door: the body of every HTTP
 * request ({@link JsonBodyFilter}) and every message a durable consumer takes from a queue
 * ({@code platform/broker/DurableConsumerTemplate}). A document is accepted only if every sink Caravan has can
 * store it as it is:
 * <ul>
 *   <li>valid UTF-8, exactly one JSON value, not {@code null}, no duplicate keys (no "last one wins");</li>
 *   <li>no NUL character ({@code \u0000}) and no lone surrogate in any string or key (PostgreSQL text
 *       and jsonb refuse NUL; a lone surrogate cannot be encoded and would be stored as {@code ?});</li>
 *   <li>every integer fits 64 bits (bigint columns, Java {@code long}, Neo4j integers) and every other
 *       number is a finite double (no {@code 1e309}, which would travel as {@code Infinity}).</li>
 * </ul>
 * Anything else is refused as an {@link InvalidRequestException} naming the field ({@code a.b[2]}, or
 * {@code body} for the document), which the REST side answers 400 and the queue side parks as poison.
 */
@Component("strictJson")
public class StrictJson {

    private static final BigDecimal MAX_DOUBLE = BigDecimal.valueOf(Double.MAX_VALUE);

    private final ObjectMapper mapper = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .build();

    /** The document in {@code body}, checked as above. */
    public JsonNode read(byte[] body) {
        String text = utf8(body);
        if (text.isBlank()) {
            throw new InvalidRequestException("body", "is empty; a JSON document is required");
        }
        JsonNode document;
        try {
            document = mapper.readTree(text);
        } catch (StreamConstraintsException e) {
            throw new InvalidRequestException("body", "is too deeply nested or has too long a number or string: " + firstLine(e));
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException(fieldOf(e), "is not one well-formed JSON document: " + firstLine(e));
        }
        if (document == null || document.isNull() || document.isMissingNode()) {
            throw new InvalidRequestException("body", "is null; a JSON document is required");
        }
        check(document, "");
        return document;
    }

    /**
     * The queue side: the message body of {@code exchange} (bytes or text) must pass {@link #read}; else it
     * is poison, parked at once with the reason.
     */
    public void requireStorable(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        byte[] bytes = body instanceof byte[] b ? b
                : body instanceof String s ? s.getBytes(StandardCharsets.UTF_8)
                : exchange.getMessage().getBody(byte[].class);
        try {
            read(bytes == null ? new byte[0] : bytes);
        } catch (InvalidRequestException e) {
            throw new PoisonMessageException("cannot be stored: " + e.getMessage());
        }
    }

    private static String utf8(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidRequestException("body", "is not valid UTF-8");
        }
    }

    private static void check(JsonNode node, String at) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                String problem = textProblem(field.getKey());
                if (problem != null) {
                    throw new InvalidRequestException(at.isEmpty() ? "body" : at, "has a key that " + problem);
                }
                check(field.getValue(), at.isEmpty() ? field.getKey() : at + "." + field.getKey());
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                check(node.get(i), at + "[" + i + "]");
            }
        } else if (node.isTextual()) {
            String problem = textProblem(node.textValue());
            if (problem != null) {
                throw new InvalidRequestException(name(at), problem);
            }
        } else if (node.isBigInteger()) {
            if (node.bigIntegerValue().bitLength() > 63) {
                throw new InvalidRequestException(name(at), "is outside the 64-bit integer range Caravan's stores hold");
            }
        } else if (node.isBigDecimal() && node.decimalValue().abs().compareTo(MAX_DOUBLE) > 0) {
            throw new InvalidRequestException(name(at), "is beyond what a double holds (no store keeps an infinite number)");
        }
    }

    /** What is wrong with a string for the stores, or null. */
    private static String textProblem(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return "contains a NUL character (\\u0000), which PostgreSQL cannot store";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "contains a lone surrogate (\\u" + Integer.toHexString(c) + "), which is no character";
            }
            if (Character.isLowSurrogate(c)) {
                return "contains a lone surrogate (\\u" + Integer.toHexString(c) + "), which is no character";
            }
        }
        return null;
    }

    /** The field a duplicate key is in ({@code a.b}), else {@code body}. */
    private static String fieldOf(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        if (message != null && message.startsWith("Duplicate field '") && e.getProcessor() instanceof JsonParser parser) {
            String name = message.substring("Duplicate field '".length(), message.indexOf('\'', "Duplicate field '".length()));
            StringBuilder path = new StringBuilder(name);
            for (var c = parser.getParsingContext().getParent(); c != null && !c.inRoot(); c = c.getParent()) {
                path.insert(0, c.inArray() ? "[" + c.getCurrentIndex() + "]" : c.getCurrentName() + (path.charAt(0) == '[' ? "" : "."));
            }
            return path.toString();
        }
        return "body";
    }

    private static String name(String at) {
        return at.isEmpty() ? "body" : at;
    }

    private static String firstLine(IOException e) {
        String message = e instanceof JsonProcessingException j && j.getOriginalMessage() != null ? j.getOriginalMessage() : e.getMessage();
        return message == null ? "unreadable" : message.lines().findFirst().orElse("unreadable");
    }
}
