/** The responder (routes/responder.yaml) both chat flows call through {@code direct:responder}. */
package io.caravan.flows.responder;
