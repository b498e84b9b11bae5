package dev.kiln.access;

import dev.kiln.contracts.access.Role;
import dev.kiln.store.access.ApiTokenRepository;
import dev.kiln.store.access.ApiTokenRepository.StoredToken;
import dev.kiln.store.faults.StoreFaults;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.security.AuthenticationFailedException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Kiln API tokens: issued (the token itself returned once, its digest stored), listed, revoked, and checked on
 * every request. A request never waits for PostgreSQL on a token this process has checked before: the tokens it
 * knows are read again every {@link AccessConfig#tokenCacheTtl()} in the background, which also writes their
 * last use; while the store is away they stay trusted for {@link AccessConfig#tokenStoreOutageGrace()}.
 */
@ApplicationScoped
public class ApiTokens {

    /** A token just issued: the only time {@code token} is seen. */
    public record Issued(StoredToken stored, String token) {
    }

    private record Checked(StoredToken stored, long loadedAtNanos) {
    }

    private static final Logger LOG = Logger.getLogger(ApiTokens.class);

    private final ApiTokenRepository repository;
    private final AccessConfig config;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, Checked> checked = new ConcurrentHashMap<>();
    /** Uses not written yet, by token id. */
    private final Map<String, Instant> usedAt = new ConcurrentHashMap<>();

    public ApiTokens(ApiTokenRepository repository, AccessConfig config) {
        this.repository = repository;
        this.config = config;
    }

    /** Issues a token; {@code expiresAt} null for one that never expires. */
    @Transactional
    public Issued issue(String name, String project, Role role, Instant expiresAt, String createdBy) {
        ApiTokenSecrets.Minted minted = ApiTokenSecrets.mint();
        StoredToken stored = new StoredToken(minted.id(), name, project, role, minted.sha256(), createdBy,
                clock.instant(), expiresAt, null, null);
        repository.insert(stored);
        return new Issued(stored, minted.token());
    }

    /**
     * Registers a token minted elsewhere (a cluster's bootstrap Secret) under the id it carries, never expiring;
     * false when that id is taken (or the text is not a token).
     */
    @Transactional
    public boolean adopt(String token, String name, String project, Role role, String createdBy) {
        return ApiTokenSecrets.looksLikeToken(token) && repository.insert(new StoredToken(ApiTokenSecrets.idOf(token),
                name, project, role, ApiTokenSecrets.sha256(token), createdBy, clock.instant(), null, null, null));
    }

    @Transactional
    public List<StoredToken> list(String project) {
        return repository.list(project);
    }

    /** Revokes the project's token, at once on this process; false when there is no such active token. */
    public boolean revoke(String id, String project) {
        boolean revoked = QuarkusTransaction.requiringNew().call(() -> repository.revoke(id, project, clock.instant()));
        // Forgotten after the commit: a request in between would have read the row still active and kept it.
        checked.remove(id);
        return revoked;
    }

    /**
     * The caller a token stands for; blocking the first time this process sees the token (it asks the store).
     *
     * @throws AuthenticationFailedException when the token is unknown, wrong, revoked or expired
     */
    public Caller authenticate(String token) {
        String id = idOf(token);
        return verify(token, id, lookUp(id));
    }

    /**
     * The same without blocking, for a token this process knows; null when the store must be asked first (use
     * {@link #authenticate}, off the event loop).
     */
    public Caller authenticateKnown(String token) {
        String id = idOf(token);
        Checked known = checked.get(id);
        return trusted(known) ? verify(token, id, known.stored()) : null;
    }

    private static String idOf(String token) {
        if (!ApiTokenSecrets.looksLikeToken(token)) {
            throw TokenRefusals.refused("The bearer token is not a Kiln API token");
        }
        return ApiTokenSecrets.idOf(token);
    }

    private Caller verify(String token, String id, StoredToken stored) {
        // One answer for an unknown id and a wrong secret: the id alone must not tell anything.
        if (stored == null || !ApiTokenSecrets.matches(token, stored.secretSha256())) {
            throw TokenRefusals.refused("The token is not valid");
        }
        Instant now = clock.instant();
        if (stored.revokedAt() != null) {
            throw TokenRefusals.refused("The token " + id + " was revoked at " + stored.revokedAt());
        }
        if (!stored.activeAt(now)) {
            throw TokenRefusals.refused("The token " + id + " expired at " + stored.expiresAt());
        }
        usedAt.put(id, now);
        return new Caller("token:" + id, stored.project(), stored.role());
    }

    private boolean trusted(Checked known) {
        return known != null
                && System.nanoTime() - known.loadedAtNanos() < config.tokenStoreOutageGrace().toNanos();
    }

    private StoredToken lookUp(String id) {
        Checked known = checked.get(id);
        if (trusted(known)) {
            return known.stored();
        }
        StoredToken stored = QuarkusTransaction.requiringNew().call(() -> repository.find(id));
        remember(id, stored, System.nanoTime());
        return stored;
    }

    /** Only tokens that exist are remembered: made-up ids must not grow the map. */
    private void remember(String id, StoredToken stored, long loadedAtNanos) {
        if (stored != null) {
            checked.put(id, new Checked(stored, loadedAtNanos));
        } else {
            checked.remove(id);
        }
    }

    /** Reads the known tokens again (revocations made elsewhere) and writes their last uses. */
    @Scheduled(every = "${kiln.access.token-cache-ttl:10s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        try {
            Set<String> ids = Set.copyOf(checked.keySet());
            if (!ids.isEmpty()) {
                long loadedAt = System.nanoTime();
                Map<String, StoredToken> found = QuarkusTransaction.requiringNew()
                        .call(() -> repository.findAll(ids)).stream()
                        .collect(Collectors.toMap(StoredToken::id, token -> token));
                // Only entries still known and not read again since (a revocation here drops its entry).
                ids.forEach(id -> checked.computeIfPresent(id, (key, known) -> known.loadedAtNanos() > loadedAt
                        ? known : found.containsKey(id) ? new Checked(found.get(id), loadedAt) : null));
            }
            Map<String, Instant> uses = Map.copyOf(usedAt);
            if (!uses.isEmpty()) {
                QuarkusTransaction.requiringNew().run(() -> uses.forEach(repository::touch));
                // A use recorded meanwhile stays for the next round.
                uses.forEach((id, at) -> usedAt.remove(id, at));
            }
        } catch (RuntimeException e) {
            if (!StoreFaults.unavailable(e)) {
                throw e;
            }
            LOG.debugf("Tokens not refreshed, the store is away: %s", e.getMessage());
        }
    }
}
