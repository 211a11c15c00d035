package io.caravan.web;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.ValidationMessage;
import org.apache.camel.Exchange;
import org.apache.camel.component.jsonvalidator.JsonValidationException;
import org.apache.camel.util.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;

/**
 * Turns a failed REST exchange into an RFC 7807 {@code application/problem+json} response, using
 * Spring's {@link ProblemDetail}. Validation problems list every wrong field under {@code errors}.
 */
@Component("problemResponses")
public class ProblemResponses {

    public static final String PROBLEM_JSON = "application/problem+json";
    private static final Logger LOG = LoggerFactory.getLogger(ProblemResponses.class);

    private final ObjectMapper json;

    public ProblemResponses(ObjectMapper json) {
        this.json = json;
    }

    /** 400 for a request that breaks its JSON Schema or is not JSON at all. */
    public void schemaViolation(Exchange exchange) {
        JsonValidationException e = caught(exchange, JsonValidationException.class);
        List<InvalidRequestException.FieldError> errors = e == null ? List.of() : fieldErrors(e);
        if (errors.isEmpty()) {
            errors = List.of(new InvalidRequestException.FieldError("body", "is not a JSON object"));
        }
        badRequest(exchange, errors);
    }

    /** 400 for an {@link InvalidRequestException}. */
    public void invalidRequest(Exchange exchange) {
        InvalidRequestException e = caught(exchange, InvalidRequestException.class);
        badRequest(exchange, e.errors());
    }

    /** 404 naming what was not found. */
    public void notFound(Exchange exchange) {
        NotFoundException e = caught(exchange, NotFoundException.class);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
        problem.setTitle("Not found");
        write(exchange, problem);
    }

    /** 503 with Retry-After: the broker did not take the message, so nothing was accepted. */
    public void unavailable(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        LOG.warn("Refused {} {}: message not accepted by the broker: {}", method(exchange), path(exchange),
                cause == null ? "unknown" : cause.getMessage());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "The message could not be handed to the broker; nothing was accepted. Retry later.");
        exchange.getMessage().setHeader("Retry-After", "5");
        write(exchange, problem);
    }

    /** 503 with Retry-After: a store the request needs (Redis, PostgreSQL) is unreachable or timed out. */
    public void storeUnavailable(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        LOG.warn("Refused {} {}: a store is unavailable: {}", method(exchange), path(exchange),
                cause == null ? "unknown" : cause.getMessage());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "A store this request needs is unavailable. Retry later.");
        problem.setTitle("Store unavailable");
        exchange.getMessage().setHeader("Retry-After", "5");
        write(exchange, problem);
    }

    /** 500 for anything unexpected; the cause is logged, not shown. */
    public void internalError(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        LOG.error("Failed {} {}", method(exchange), path(exchange), cause);
        write(exchange, ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "Caravan could not handle this request."));
    }

    private void badRequest(Exchange exchange, List<InvalidRequestException.FieldError> errors) {
        String fields = String.join(", ", errors.stream().map(InvalidRequestException.FieldError::field).distinct().toList());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "Invalid field(s): " + fields);
        problem.setTitle("Invalid request");
        problem.setProperty("errors", errors.stream()
                .map(e -> Map.of("field", e.field(), "message", e.message())).toList());
        write(exchange, problem);
    }

    private void write(Exchange exchange, ProblemDetail problem) {
        String path = path(exchange);
        if (path != null) {
            problem.setInstance(URI.create(path));
        }
        try {
            exchange.getMessage().setBody(json.writeValueAsString(problem));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, problem.getStatus());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, PROBLEM_JSON);
    }

    /** One error per schema violation, named by the JSON field it concerns ({@code body} for the whole document). */
    static List<InvalidRequestException.FieldError> fieldErrors(JsonValidationException e) {
        List<InvalidRequestException.FieldError> errors = new ArrayList<>();
        e.getErrors().stream()
                .sorted(Comparator.comparing(ValidationMessage::getMessage))
                .forEach(m -> errors.add(new InvalidRequestException.FieldError(fieldOf(m), m.getMessage())));
        return errors;
    }

    private static String fieldOf(ValidationMessage m) {
        String location = m.getInstanceLocation() == null ? "$" : m.getInstanceLocation().toString();
        String field = location.startsWith("$") ? location.substring(1) : location;
        if (field.startsWith(".")) {
            field = field.substring(1);
        }
        if (m.getProperty() != null && ("required".equals(m.getType()) || "additionalProperties".equals(m.getType()))) {
            field = field.isEmpty() ? m.getProperty() : field + "." + m.getProperty();
        }
        return field.isEmpty() ? "body" : field;
    }

    /** The exception of this type that Camel caught, looking through wrappers such as a failed bean expression. */
    private static <T extends Throwable> T caught(Exchange exchange, Class<T> type) {
        return ObjectHelper.getException(type, exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
    }

    private static String path(Exchange exchange) {
        return exchange.getMessage().getHeader(Exchange.HTTP_PATH, exchange.getMessage().getHeader(Exchange.HTTP_URI, String.class), String.class);
    }

    private static String method(Exchange exchange) {
        return exchange.getMessage().getHeader(Exchange.HTTP_METHOD, String.class);
    }
}
