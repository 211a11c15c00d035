package io.caravan.platform.rest;

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
import org.apache.camel.component.jsonvalidator.NoJsonBodyValidationException;
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
            errors = List.of(new InvalidRequestException.FieldError("body",
                    caught(exchange, NoJsonBodyValidationException.class) != null ? "is empty or null; a JSON document is required"
                            : "is not a JSON object"));
        }
        badRequest(exchange, errors);
    }

    /** 400 for an {@link InvalidRequestException}. */
    public void invalidRequest(Exchange exchange) {
        InvalidRequestException e = caught(exchange, InvalidRequestException.class);
        badRequest(exchange, e.errors());
    }

    /** 400: a store refused a value of the request (bad encoding, out of range, a check); nothing was accepted. */
    public void refusedByStore(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        LOG.info("Refused {} {}: a store refused a value: {}", method(exchange), path(exchange),
                cause == null ? "unknown" : cause.getMessage());
        badRequest(exchange, List.of(new InvalidRequestException.FieldError("body", "holds a value a store cannot keep")));
    }

    /** 403: the caller may not do this. */
    public void forbidden(Exchange exchange) {
        ForbiddenException e = caught(exchange, ForbiddenException.class);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, e.getMessage());
        problem.setTitle("Forbidden");
        write(exchange, problem);
    }

    /** 429 with Retry-After: over a rate limit; nothing was published. */
    public void tooManyRequests(Exchange exchange) {
        TooManyRequestsException e = caught(exchange, TooManyRequestsException.class);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, "Rate limit reached: " + e.getMessage());
        problem.setTitle("Too many requests");
        exchange.getMessage().setHeader("Retry-After", String.valueOf(Math.max(1, (e.retryAfter().toMillis() + 999) / 1000)));
        write(exchange, problem);
    }

    /** 503 with Retry-After: a store Caravan needs (Redis, PostgreSQL) did not answer; nothing was accepted. */
    public void storeUnavailable(Exchange exchange) {
        serviceUnavailable(exchange, "a store is unavailable",
                "A store Caravan needs for this request is unavailable; nothing was accepted. Retry later.");
    }

    /** 404 naming what was not found. */
    public void notFound(Exchange exchange) {
        NotFoundException e = caught(exchange, NotFoundException.class);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
        problem.setTitle("Not found");
        write(exchange, problem);
    }

    /** 503 with Retry-After: neither the broker nor the outbox took the message, so nothing was accepted. */
    public void unavailable(Exchange exchange) {
        serviceUnavailable(exchange, "message taken by neither the broker nor the outbox",
                "The message could be handed neither to the broker nor to the outbox; nothing was accepted. Retry later.");
    }

    private void serviceUnavailable(Exchange exchange, String why, String detail) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        LOG.warn("Refused {} {}: {}: {}", method(exchange), path(exchange), why, cause == null ? "unknown" : cause.getMessage());
        exchange.getMessage().setHeader("Retry-After", "5");
        write(exchange, ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, detail));
    }

    /** 503 with Retry-After: a service this request needs is unreachable or not as Caravan needs it. */
    public void dependencyUnavailable(Exchange exchange) {
        DependencyUnavailableException e = caught(exchange, DependencyUnavailableException.class);
        LOG.warn("Refused {} {}: {} unavailable: {}", method(exchange), path(exchange), e.dependency(), e.getMessage());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
        problem.setTitle("Service unavailable");
        problem.setProperty("dependency", e.dependency());
        e.details().forEach(problem::setProperty);
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
