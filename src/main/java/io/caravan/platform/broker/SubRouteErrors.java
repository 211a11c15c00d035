package io.caravan.platform.broker;

import org.apache.camel.builder.RouteConfigurationBuilder;
import org.springframework.stereotype.Component;

/**
 * Route configuration {@code sub-route} for routes that other routes call through {@code direct:}
 * (the responder): no error handler of their own, so a failure goes back to the caller unhandled and
 * the caller's policy ({@code rest-errors}, {@code consumer-failures}) decides. With Camel's default
 * error handler the sub-route would mark the failure exhausted and the caller's policy would never
 * see it.
 */
@Component
public class SubRouteErrors extends RouteConfigurationBuilder {

    public static final String ID = "sub-route";

    @Override
    public void configuration() {
        routeConfiguration(ID).errorHandler(noErrorHandler());
    }
}
