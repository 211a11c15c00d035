package io.caravan.dev.standins;

/**
 * One embedded service started in place of an unreachable dependency.
 *
 * @param service  the dependency it stands in for, e.g. {@code PostgreSQL}
 * @param what     what runs, e.g. {@code embedded PostgreSQL 17 (zonky)}
 * @param address  host:port it listens on (loopback, a free port)
 * @param data     where it keeps its data, or why it keeps none
 * @param caveats  what it does not do that the real service does (empty: nothing Caravan relies on)
 * @param stop     stops it and waits until it has stopped
 */
record StandIn(String service, String what, String address, String data, String caveats, AutoCloseable stop) {
}
