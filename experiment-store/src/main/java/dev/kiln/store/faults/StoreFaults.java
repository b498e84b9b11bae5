package dev.kiln.store.faults;

import dev.kiln.artifacts.ArtifactStoreException;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Set;
import org.hibernate.exception.JDBCConnectionException;

/**
 * Tells a passing fault of PostgreSQL (down, restarting, unreachable, pool exhausted) or of the artifact store
 * (unreachable, a server error) from a real error.
 */
public final class StoreFaults {

    private StoreFaults() {
    }

    /**
     * Whether {@code e} (or a cause, or an exception suppressed by one) says the store could not be reached or
     * dropped the connection: the same call may succeed once it is back, so it is worth retrying and nothing it
     * wrote was kept. A connection lost at commit reaches the caller as Narayana's {@code RollbackException}
     * naming no cause, the driver's error among its suppressed ones. SQL states:
     * {@code 08} connection exceptions, {@code 57P01..03} the server shutting down or starting up,
     * {@code 40001}/{@code 40P01} serialization failures and deadlocks (retry is PostgreSQL's own advice).
     * A pool that timed out waiting for a connection (every one busy, or a new one unanswered: a paused or
     * overloaded server) is unavailability too, though Agroal says so only in its message (below).
     */
    public static boolean unavailable(Throwable e) {
        return unavailable(e, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private static boolean unavailable(Throwable e, Set<Throwable> seen) {
        if (e == null || !seen.add(e)) {
            return false;
        }
        if (e instanceof SQLTransientException || e instanceof JDBCConnectionException
                || e instanceof ArtifactStoreException.Unavailable
                || e instanceof SQLException sql && (sql.getSQLState() != null ? transientState(sql.getSQLState())
                        : poolTimeout(sql))) {
            return true;
        }
        for (Throwable suppressed : e.getSuppressed()) {
            if (unavailable(suppressed, seen)) {
                return true;
            }
        }
        return unavailable(e.getCause(), seen);
    }

    /**
     * Agroal's "Sorry, acquisition timeout!" and "Acquisition timeout while waiting for new connection": plain
     * {@link SQLException}s without a SQL state, which Hibernate wraps in a {@code GenericJDBCException}, unlike
     * the {@link java.sql.SQLTransientConnectionException} other pools throw. Taken for real errors, they would send
     * a valid train request to the dead-letter topic, or answer 500, whenever PostgreSQL is paused for seconds.
     */
    private static boolean poolTimeout(SQLException e) {
        return e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("acquisition timeout");
    }

    private static boolean transientState(String state) {
        return state.startsWith("08") || state.startsWith("57P") || state.equals("40001") || state.equals("40P01");
    }
}
