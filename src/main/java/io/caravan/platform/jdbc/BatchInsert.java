package io.caravan.platform.jdbc;

import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Stores a batch of rows in one transaction: one named-parameter statement (usually an idempotent
 * {@code INSERT ... ON CONFLICT DO NOTHING}) run for every row as one JDBC batch, committed once. This is
 * what a flow's batch sink ({@code durable-consumer}'s {@code batchSink}) uses for PostgreSQL: one WAL flush
 * and one round trip for the batch instead of one autocommit statement per message.
 *
 * <p>All or nothing: if any row is refused the whole batch is rolled back and the exception is thrown, so that
 * the consumer can hand each message to the flow's per-message sink, where a poison message is parked alone.
 * A batch that names the same key twice is fine with {@code ON CONFLICT DO NOTHING}: the second row is a no-op.
 *
 * <p>Used from a route as {@code bean: {ref: batchInsert, method: "insert(${exchangeProperty.sql}, ${body})"}},
 * the statement in the flow's YAML beside its per-message sink. Parameters are {@code :name}
 * (Spring's named parameters, not the {@code sql:} component's {@code :#name}).
 */
@Component("batchInsert")
public class BatchInsert {

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate transactions;

    public BatchInsert(NamedParameterJdbcTemplate jdbc, TransactionTemplate transactions) {
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    /**
     * Runs {@code sql} once per row, all in one transaction.
     *
     * @param sql  a statement with named parameters {@code :column}
     * @param rows the rows, each a map from parameter name to value (a missing name is an error)
     * @return how many rows the statement changed in all (for {@code ON CONFLICT DO NOTHING}: how many were new),
     *         or -1 if the driver did not say
     */
    public int insert(String sql, List<? extends Map<String, ?>> rows) {
        if (rows.isEmpty()) {
            return 0;
        }
        SqlParameterSource[] parameters = new SqlParameterSource[rows.size()];
        for (int i = 0; i < parameters.length; i++) {
            parameters[i] = new MapSqlParameterSource(rowOf(rows.get(i)));
        }
        int[] counts = transactions.execute(status -> jdbc.batchUpdate(sql, parameters));
        int changed = 0;
        for (int count : counts) {
            if (count < 0) {
                // Statement.SUCCESS_NO_INFO (a driver that rewrites the batch): the rows are in, the count unknown
                return -1;
            }
            changed += count;
        }
        return changed;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> rowOf(Map<String, ?> row) {
        return (Map<String, Object>) row;
    }
}
