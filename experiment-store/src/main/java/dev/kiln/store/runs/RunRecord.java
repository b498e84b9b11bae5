package dev.kiln.store.runs;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainingSpec;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A training run as stored in the {@code runs} table. */
@Entity
@Table(name = "runs")
public class RunRecord extends PanacheEntityBase {

    @Id
    public UUID id;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public RunStatus status;

    /** The spec as JSON (defaults filled in); read it with {@link #spec()}. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "spec", nullable = false)
    public String specJson;

    public String worker;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Column(name = "claimed_at")
    public Instant claimedAt;

    public TrainingSpec spec() {
        return Json.read(specJson, TrainingSpec.class);
    }
}
