/** chat-history (routes/chat-history.yaml, seed 000). Entry point for other flows: {@code direct:chat-history.store}. */
package io.caravan.flows.chathistory;
