package io.caravan.platform.rest;

import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

import io.caravan.platform.broker.SubRouteErrors;

/**
 * The one way a REST route answers with JSON: its last step is {@code to: direct:platform.answer-json}. The body
 * (a map, a list, a record) is written as JSON, the request's headers are dropped (so that none of them, e.g.
 * the caller's {@code Caravan-User}, is echoed back) and the answer is {@code application/json}. A route that
 * answers with a status other than 200 or with headers of its own ({@code Caravan-Accepted-Via}, ...) sets them
 * after this step. Failures go back to the calling route ({@code sub-route}), whose {@code rest-errors} policy
 * answers them as problem+json.
 */
@Component
public class JsonAnswer extends RouteBuilder {

    public static final String ROUTE_ID = "platform.answer-json";
    public static final String URI = "direct:" + ROUTE_ID;

    @Override
    public void configure() {
        from(URI).routeId(ROUTE_ID).routeConfigurationId(SubRouteErrors.ID)
                .marshal().json()
                .removeHeaders("*")
                .setHeader(Exchange.CONTENT_TYPE, constant("application/json"));
    }
}
