package io.caravan.dev.qdrant;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** All collections of one test server, by name. */
final class CollectionStore {

    private final ConcurrentMap<String, StoredCollection> collections = new ConcurrentHashMap<>();

    void add(StoredCollection collection) {
        if (collections.putIfAbsent(collection.name(), collection) != null) {
            throw TestServerStatus.collectionExists(collection.name());
        }
    }

    StoredCollection require(String name) {
        StoredCollection collection = collections.get(name);
        if (collection == null) {
            throw TestServerStatus.collectionNotFound(name);
        }
        return collection;
    }

    boolean exists(String name) {
        return collections.containsKey(name);
    }

    /** Like Qdrant, dropping an unknown collection is not an error, it just reports {@code false}. */
    boolean remove(String name) {
        return collections.remove(name) != null;
    }

    List<String> names() {
        return collections.keySet().stream().sorted().toList();
    }
}
