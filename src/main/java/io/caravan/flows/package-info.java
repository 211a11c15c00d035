/**
 * One package per flow, named like its routes file ({@code routes/<flow>.yaml}) and holding everything
 * that flow owns: its messages, stores, settings. A flow uses the platform only, never another flow's
 * classes; where one flow hands work to another it does so through that flow's one route entry point
 * (chat-relay to {@code direct:chat-history.store}; both chat flows to {@code direct:responder}).
 */
package io.caravan.flows;
