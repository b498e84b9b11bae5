package dev.kiln.store.faults;

import dev.kiln.artifacts.ArtifactStoreException;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import org.hibernate.exception.JDBCConnectionException;

/**
 * Tells a passing fault of PostgreSQL (down, restarting, unreachable, pool exhausted) or of the artifact store
 * (unreachable, a server error) from a real error.
 */
public final class StoreFaults {

    private StoreFaults() {
    }

    /**
     * Whether {@code e} (or a cause) says the store could not be reached or dropped the connection: the same
     * call may succeed once it is back, so it is worth retrying and nothing it wrote was kept. SQL states:
     * {@code 08} connection exceptions, {@code 57P01..03} the server shutting down or starting up,
     * {@code 40001}/{@code 40P01} serialization failures and deadlocks (retry is PostgreSQL's own advice).
     */
    public static boolean unavailable(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLTransientException || cause instanceof JDBCConnectionException
                    || cause instanceof ArtifactStoreException.Unavailable) {
                return true;
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null && transientState(sql.getSQLState())) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    private static boolean transientState(String state) {
        return state.startsWith("08") || state.startsWith("57P") || state.equals("40001") || state.equals("40P01");
    }
}
