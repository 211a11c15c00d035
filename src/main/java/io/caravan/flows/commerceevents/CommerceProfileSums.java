package io.caravan.flows.commerceevents;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The running sums of the commerce-events flow's user profiles, in PostgreSQL (bean {@code commerceProfileSums},
 * tables {@code commerce_profile_events} and {@code commerce_user_profiles}, migration V22).
 *
 * <p><b>Constant cost per event, each event once.</b> A profile is the weighted sum of the vectors of the user's
 * interactions ({@link InteractionVectoriser}); instead of summing all of them again on every event, the sum is
 * stored and the new event added to it. Adding is only right once per event, so {@link #add} does the
 * "already added?" check and the addition in one transaction: it inserts the events' ids into
 * {@code commerce_profile_events} ({@code ON CONFLICT DO NOTHING RETURNING}) and adds only the events whose id
 * was new. A redelivered or replayed event, or one a crashed worker had added before it could ack, adds nothing.
 *
 * <p><b>Concurrent workers</b> (several per queue, several Caravan instances): two deliveries of one event insert
 * the same primary key, so the second waits for the first's transaction and then finds the id there; two
 * events of one user update one row, whose lock serialises them. Ids and users are written in sorted order, so
 * two batches never wait for each other in a cycle. The addition itself is done by PostgreSQL
 * ({@code sum = sum + delta} element by element), so no worker ever writes back a sum it read earlier.
 */
@Component("commerceProfileSums")
public class CommerceProfileSums {

    /** A user's profile sum as it is after a transaction; {@code interactions} only grows. */
    public record ProfileSum(String userId, double[] sum, long interactions) { }

    /** One event's contribution: its user, its kind and the product's vector. */
    public record Contribution(String eventId, String userId, String eventType, float[] product) { }

    static final String MARK_ADDED = """
            INSERT INTO commerce_profile_events (event_id, user_id)
            SELECT * FROM unnest(?::text[], ?::text[])
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id""";

    static final String ADD = """
            INSERT INTO commerce_user_profiles AS p (user_id, weight_sum, interactions)
            VALUES (?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET
                weight_sum = ARRAY(SELECT s.a + s.b FROM unnest(p.weight_sum, excluded.weight_sum) WITH ORDINALITY AS s(a, b, i)
                                   ORDER BY s.i),
                interactions = p.interactions + excluded.interactions,
                updated_at = now()""";

    static final String READ = "SELECT user_id, weight_sum, interactions FROM commerce_user_profiles WHERE user_id = ANY(?)";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final InteractionVectoriser vectoriser;

    public CommerceProfileSums(JdbcTemplate jdbc, TransactionTemplate transactions, InteractionVectoriser vectoriser) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.vectoriser = vectoriser;
    }

    /**
     * Adds the events not added before to their users' sums, in one transaction, and returns the sum of every
     * user of these events as it is after it (also for users whose events were all added before: their sum as
     * it is, so a caller that failed after an earlier commit can still write the profile it did not write).
     */
    public List<ProfileSum> add(Collection<Contribution> contributions) {
        // by id: the same event twice in one call counts once, and ids are locked in one order by everyone
        Map<String, Contribution> byId = new TreeMap<>();
        contributions.forEach(c -> byId.putIfAbsent(c.eventId(), c));
        if (byId.isEmpty()) {
            return List.of();
        }
        return transactions.execute(status -> {
            List<String> added = jdbc.execute((ConnectionCallback<List<String>>) connection -> {
                try (PreparedStatement insert = connection.prepareStatement(MARK_ADDED)) {
                    insert.setArray(1, connection.createArrayOf("text", byId.keySet().toArray()));
                    insert.setArray(2, connection.createArrayOf("text", byId.values().stream().map(Contribution::userId).toArray()));
                    List<String> ids = new ArrayList<>();
                    try (var rows = insert.executeQuery()) {
                        while (rows.next()) {
                            ids.add(rows.getString(1));
                        }
                    }
                    return ids;
                }
            });
            Map<String, double[]> deltas = new TreeMap<>();
            Map<String, Long> counts = new TreeMap<>();
            for (String eventId : added) {
                Contribution contribution = byId.get(eventId);
                vectoriser.addTo(deltas.computeIfAbsent(contribution.userId(), u -> new double[vectoriser.dimension()]),
                        contribution.eventType(), contribution.product());
                counts.merge(contribution.userId(), 1L, Long::sum);
            }
            List<String> users = new ArrayList<>(deltas.keySet());
            if (!users.isEmpty()) {
                jdbc.batchUpdate(ADD, new BatchPreparedStatementSetter() {
                    @Override
                    public void setValues(PreparedStatement ps, int i) throws SQLException {
                        String user = users.get(i);
                        ps.setString(1, user);
                        ps.setArray(2, ps.getConnection().createArrayOf("float8", boxed(deltas.get(user))));
                        ps.setLong(3, counts.get(user));
                    }

                    @Override
                    public int getBatchSize() {
                        return users.size();
                    }
                });
            }
            Object[] allUsers = byId.values().stream().map(Contribution::userId).distinct().sorted().toArray();
            Map<String, ProfileSum> sums = new LinkedHashMap<>();
            jdbc.query(connection -> {
                PreparedStatement read = connection.prepareStatement(READ);
                read.setArray(1, connection.createArrayOf("text", allUsers));
                return read;
            }, row -> {
                String user = row.getString(1);
                sums.put(user, new ProfileSum(user, unboxed(row.getArray(2)), row.getLong(3)));
            });
            return List.copyOf(sums.values());
        });
    }

    private static Double[] boxed(double[] values) {
        Double[] boxed = new Double[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return boxed;
    }

    private double[] unboxed(Array array) throws SQLException {
        Object[] values = (Object[]) array.getArray();
        if (values.length != vectoriser.dimension()) {
            throw new IllegalStateException("a stored profile sum has %d numbers, caravan.commerce.vectors.dimension is %d"
                    .formatted(values.length, vectoriser.dimension()));
        }
        double[] sum = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            sum[i] = ((Number) values[i]).doubleValue();
        }
        return sum;
    }
}
