package dev.kiln.contracts.access;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a caller may do within a project, each role including the ones before it: a viewer reads; a member also
 * submits and cancels runs, studies and data sets; a maintainer also registers, promotes and sets policies; an
 * admin also manages tokens.
 */
public enum Role {
    VIEWER, MEMBER, MAINTAINER, ADMIN;

    /** The role names {@code @RolesAllowed} takes (compile-time constants, as annotations need). */
    public static final class Names {
        public static final String VIEWER = "viewer";
        public static final String MEMBER = "member";
        public static final String MAINTAINER = "maintainer";
        public static final String ADMIN = "admin";

        private Names() {
        }
    }

    /** The lower-case name, as in {@code @RolesAllowed}, JSON and identity-provider claims. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** This role and every role it includes, by {@linkplain #label() label}. */
    public Set<String> granted() {
        return Arrays.stream(values()).filter(role -> role.ordinal() <= ordinal()).map(Role::label)
                .collect(Collectors.toUnmodifiableSet());
    }

    public boolean includes(Role other) {
        return ordinal() >= other.ordinal();
    }

    /** The role of that label (any case); null for none. */
    public static Role ofLabel(String label) {
        return Arrays.stream(values()).filter(role -> role.name().equalsIgnoreCase(label)).findFirst().orElse(null);
    }
}
