package dev.kiln.store.faults;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.persistence.PersistenceException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.hibernate.exception.JDBCConnectionException;
import org.junit.jupiter.api.Test;

/** Which failures mean "the store is away for now" (retry; 503) rather than a real error (poison, a bug). */
class StoreFaultsTest {

    @Test
    void connectionFailuresAnywhereInTheCauseChainAreUnavailability() {
        assertThat(StoreFaults.unavailable(new PersistenceException("x",
                new JDBCConnectionException("no connection", new SQLException("refused", "08001"))))).isTrue();
        assertThat(StoreFaults.unavailable(new RuntimeException(
                new SQLTransientConnectionException("Connection is not available, request timed out")))).isTrue();
        assertThat(StoreFaults.unavailable(new SQLException("connection failure", "08006"))).isTrue();
    }

    @Test
    void aServerShuttingDownOrStartingUpIsUnavailability() {
        assertThat(StoreFaults.unavailable(new PersistenceException(new SQLException(
                "terminating connection due to administrator command", "57P01")))).isTrue();
        assertThat(StoreFaults.unavailable(new SQLException("the database system is starting up", "57P03"))).isTrue();
        assertThat(StoreFaults.unavailable(new SQLException("deadlock detected", "40P01"))).isTrue();
    }

    @Test
    void aConnectionLostAtCommitIsUnavailabilityThoughOnlyASuppressedExceptionSaysSo() {
        RuntimeException commit = new RuntimeException("RollbackException: Could not commit transaction.");
        commit.addSuppressed(new IllegalStateException("transactionCommit", new SQLException("I/O error", "08006")));
        assertThat(StoreFaults.unavailable(new RuntimeException(commit))).isTrue();

        RuntimeException rejected = new RuntimeException("RollbackException: Could not commit transaction.");
        rejected.addSuppressed(new IllegalStateException("flush", new SQLException("duplicate key", "23505")));
        assertThat(StoreFaults.unavailable(rejected)).isFalse();
    }

    @Test
    void otherDatabaseErrorsAreNot() {
        assertThat(StoreFaults.unavailable(new PersistenceException("constraint",
                new SQLException("duplicate key", "23505")))).isFalse();
        assertThat(StoreFaults.unavailable(new IllegalStateException("bug"))).isFalse();
    }
}
