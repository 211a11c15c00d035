package io.caravan.platform.rest;

import io.caravan.platform.broker.PublishFailedException;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.component.jsonvalidator.JsonValidationException;
import org.apache.camel.ValidationException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;

/**
 * How a REST-facing route answers when something fails, applied by {@code routeConfigurationId: rest-errors}:
 * path parameters percent-decoded first ({@link PathParameters}); bad input (a schema violation, an empty
 * or null body, a value a store refuses) → 400 naming the fields, not allowed → 403, unknown resource → 404, over a rate limit → 429,
 * neither broker nor outbox took the message, a store or service the request needs is unreachable
 * (PostgreSQL, Redis, and Neo4j or Qdrant through {@link StoreFailures}) → 503 with Retry-After, anything
 * else → 500. All as problem+json; none of them publishes or stores anything.
 */
@Component
public class RestErrorPolicy extends RouteConfigurationBuilder {

    public static final String ID = "rest-errors";

    @Override
    public void configuration() {
        routeConfiguration(ID)
                // once per request, as it enters its flow: path parameters as the caller meant them
                .interceptFrom()
                    .bean("pathParameters", "decode")
                .end()
                .onException(JsonValidationException.class)
                    .handled(true)
                    .bean("problemResponses", "schemaViolation")
                .end()
                // an empty or null body where a JSON document is required (NoJsonBodyValidationException)
                .onException(ValidationException.class)
                    .handled(true)
                    .bean("problemResponses", "schemaViolation")
                .end()
                // a store refused a value the request carried (encoding, range, check): the caller's to fix
                .onException(DataIntegrityViolationException.class)
                    .handled(true)
                    .bean("problemResponses", "refusedByStore")
                .end()
                .onException(InvalidRequestException.class)
                    .handled(true)
                    .bean("problemResponses", "invalidRequest")
                .end()
                .onException(TooManyRequestsException.class)
                    .handled(true)
                    .bean("problemResponses", "tooManyRequests")
                .end()
                .onException(DataAccessResourceFailureException.class, TransientDataAccessException.class)
                    .handled(true)
                    .bean("problemResponses", "storeUnavailable")
                .end()
                .onException(ForbiddenException.class)
                    .handled(true)
                    .bean("problemResponses", "forbidden")
                .end()
                .onException(NotFoundException.class)
                    .handled(true)
                    .bean("problemResponses", "notFound")
                .end()
                .onException(PublishFailedException.class)
                    .handled(true)
                    .bean("problemResponses", "unavailable")
                .end()
                .onException(DependencyUnavailableException.class)
                    .handled(true)
                    .bean("problemResponses", "dependencyUnavailable")
                .end()
                .onException(Exception.class)
                    .onWhen(exchange -> StoreFailures.isUnavailable(exchange.getException() != null ? exchange.getException()
                            : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class)))
                    .handled(true)
                    .bean("problemResponses", "storeUnavailable")
                .end()
                .onException(Exception.class)
                    .handled(true)
                    .bean("problemResponses", "internalError")
                .end();
    }
}
