package dev.kiln.access;

import dev.kiln.contracts.access.Role;
import dev.kiln.store.access.ApiTokenRepository;
import dev.kiln.store.access.ApiTokenRepository.StoredToken;
import dev.kiln.store.faults.StoreFaults;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.AuthenticationFailedException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kiln API tokens: issued (the token itself returned once, its digest stored), listed, revoked, and checked on
 * every request. A checked token is remembered for {@link AccessConfig#tokenCacheTtl()} so that requests do not
 * each ask the store; its last use is written at most once a minute per process.
 */
@ApplicationScoped
public class ApiTokens {

    /** A token just issued: the only time {@code token} is seen. */
    public record Issued(StoredToken stored, String token) {
    }

    private record Checked(StoredToken stored, long loadedAtNanos) {
    }

    private static final long TOUCH_EVERY_NANOS = 60_000_000_000L;

    private final ApiTokenRepository repository;
    private final AccessConfig config;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, Checked> checked = new ConcurrentHashMap<>();
    private final Map<String, Long> touchedAtNanos = new ConcurrentHashMap<>();

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
    @Transactional
    public boolean revoke(String id, String project) {
        checked.remove(id);
        return repository.revoke(id, project, clock.instant());
    }

    /**
     * The caller a token stands for; blocking (it may ask the store).
     *
     * @throws AuthenticationFailedException when the token is unknown, wrong, revoked or expired
     */
    public Caller authenticate(String token) {
        if (!ApiTokenSecrets.looksLikeToken(token)) {
            throw new AuthenticationFailedException("The bearer token is not a Kiln API token");
        }
        String id = ApiTokenSecrets.idOf(token);
        StoredToken stored = lookUp(id);
        // One answer for an unknown id and a wrong secret: the id alone must not tell anything.
        if (stored == null || !ApiTokenSecrets.matches(token, stored.secretSha256())) {
            throw new AuthenticationFailedException("The token is not valid");
        }
        Instant now = clock.instant();
        if (stored.revokedAt() != null) {
            throw new AuthenticationFailedException("The token " + id + " was revoked at " + stored.revokedAt());
        }
        if (!stored.activeAt(now)) {
            throw new AuthenticationFailedException("The token " + id + " expired at " + stored.expiresAt());
        }
        recordUse(id, now);
        return new Caller("token:" + id, stored.project(), stored.role());
    }

    private StoredToken lookUp(String id) {
        long now = System.nanoTime();
        Checked known = checked.get(id);
        if (known != null && now - known.loadedAtNanos() < config.tokenCacheTtl().toNanos()) {
            return known.stored();
        }
        StoredToken stored;
        try {
            stored = QuarkusTransaction.requiringNew().call(() -> repository.find(id));
        } catch (RuntimeException e) {
            // PostgreSQL away: a token checked before stays good until it is back (what the store says then
            // counts); one never seen fails with the store's error, which the service answers with a 503.
            if (known != null && StoreFaults.unavailable(e)) {
                return known.stored();
            }
            throw e;
        }
        // Only tokens that exist are remembered: made-up ids must not grow the map.
        if (stored != null) {
            checked.put(id, new Checked(stored, now));
        } else {
            checked.remove(id);
        }
        return stored;
    }

    private void recordUse(String id, Instant now) {
        long nanos = System.nanoTime();
        Long last = touchedAtNanos.get(id);
        if (last == null || nanos - last >= TOUCH_EVERY_NANOS) {
            touchedAtNanos.put(id, nanos);
            try {
                QuarkusTransaction.requiringNew().run(() -> repository.touch(id, now));
            } catch (RuntimeException e) {
                // A last use not recorded while the store is away is not worth refusing the request for.
                if (!StoreFaults.unavailable(e)) {
                    throw e;
                }
            }
        }
    }
}
