package dev.kiln.store;

import java.time.Instant;
import java.time.OffsetDateTime;

/** Reading the values of native-query rows, whose Java types depend on the JDBC driver and Hibernate. */
public final class NativeRows {

    private NativeRows() {
    }

    /** A {@code timestamptz} column as an Instant. */
    public static Instant instant(Object timestamp) {
        return timestamp instanceof Instant instant ? instant
                : timestamp instanceof OffsetDateTime offset ? offset.toInstant()
                : ((java.sql.Timestamp) timestamp).toInstant();
    }
}
