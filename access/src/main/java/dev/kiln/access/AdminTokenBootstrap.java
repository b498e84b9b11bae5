package dev.kiln.access;

import dev.kiln.contracts.access.Role;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.AuthenticationFailedException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.jboss.logging.Logger;

/**
 * The first admin token, for a stack that has none yet: with {@code kiln.access.bootstrap-token-file} set, a start
 * makes sure that file holds a valid admin token (project {@code kiln.access.default-project}, no expiry). The
 * local stack lets the gateway issue one and write it there, readable by its owner only; a cluster mounts a
 * Secret holding a token minted offline, which the first start registers.
 */
@ApplicationScoped
public class AdminTokenBootstrap {

    private static final Logger LOG = Logger.getLogger(AdminTokenBootstrap.class);

    private final AccessConfig config;
    private final ApiTokens tokens;

    public AdminTokenBootstrap(AccessConfig config, ApiTokens tokens) {
        this.config = config;
        this.tokens = tokens;
    }

    void onStart(@Observes StartupEvent start) {
        config.bootstrapTokenFile().ifPresent(this::ensureAdminToken);
    }

    /**
     * Keeps the file's token when it is a valid admin token, registers it when it is a well-formed token the
     * store does not know (minted for a cluster's Secret), and otherwise issues one and writes it there.
     */
    public void ensureAdminToken(Path file) {
        String project = config.defaultProject();
        if (Files.exists(file)) {
            String token = read(file);
            try {
                if (tokens.authenticate(token).role() == Role.ADMIN) {
                    return;
                }
                LOG.infof("The token in %s is not an admin's", file);
            } catch (AuthenticationFailedException e) {
                if (tokens.adopt(token, "bootstrap-admin", project, Role.ADMIN, "kiln bootstrap")) {
                    LOG.infof("Registered the admin token in %s (id %s, project %s)", file,
                            ApiTokenSecrets.idOf(token), project);
                    return;
                }
                LOG.infof("The token in %s is not valid (%s)", file, e.getMessage());
            }
            if (!Files.isWritable(file)) {
                // A read-only Secret whose token was revoked: revoking it was the administrator's choice.
                LOG.warnf("%s is read-only: no admin token issued (put a new token there to have one)", file);
                return;
            }
        }
        ApiTokens.Issued issued = tokens.issue("bootstrap-admin", project, Role.ADMIN, null, "kiln bootstrap");
        write(file, issued.token());
        LOG.infof("Issued admin token %s (project %s), written to %s", issued.stored().id(), project, file);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the admin token in " + file, e);
        }
    }

    private static void write(Path file, String token) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path written = Files.createTempFile(parent, ".admin-token", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(written, token + "\n", StandardCharsets.US_ASCII);
            Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the admin token to " + file, e);
        }
    }
}
