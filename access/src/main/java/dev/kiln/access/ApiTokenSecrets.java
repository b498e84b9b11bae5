package dev.kiln.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The form of a Kiln API token, {@code kiln_<id>_<secret>}: {@code id} (16 hex digits) is public, listed and
 * revoked by; {@code secret} is 256 random bits (43 base64url characters) that exist only in the token. The
 * store keeps the SHA-256 of the whole token, which is enough for a secret that long (no dictionary to try).
 */
public final class ApiTokenSecrets {

    public static final String PREFIX = "kiln_";
    private static final int ID_HEX = 16;
    private static final int SECRET_CHARS = 43;
    private static final int LENGTH = PREFIX.length() + ID_HEX + 1 + SECRET_CHARS;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new token and what is stored of it. */
    public record Minted(String id, String token, String sha256) {
    }

    private ApiTokenSecrets() {
    }

    public static Minted mint() {
        byte[] id = new byte[ID_HEX / 2];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        String hexId = HexFormat.of().formatHex(id);
        String token = PREFIX + hexId + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new Minted(hexId, token, sha256(token));
    }

    /** Whether the text has the form of a Kiln API token (whether it is a valid one is the store's to say). */
    public static boolean looksLikeToken(String text) {
        return text.length() == LENGTH && text.startsWith(PREFIX) && text.charAt(PREFIX.length() + ID_HEX) == '_'
                && text.chars().skip(PREFIX.length()).limit(ID_HEX).allMatch(c -> Character.digit(c, 16) >= 0
                        && !Character.isUpperCase(c))
                && text.chars().skip(PREFIX.length() + ID_HEX + 1L).allMatch(ApiTokenSecrets::isBase64Url);
    }

    /** The public id of a token that {@linkplain #looksLikeToken looks like one}. */
    public static String idOf(String token) {
        return token.substring(PREFIX.length(), PREFIX.length() + ID_HEX);
    }

    public static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime has SHA-256", e);
        }
    }

    /** Whether the token's digest is the stored one, in time that does not depend on where they differ. */
    public static boolean matches(String token, String storedSha256) {
        return MessageDigest.isEqual(sha256(token).getBytes(StandardCharsets.US_ASCII),
                storedSha256.getBytes(StandardCharsets.US_ASCII));
    }

    private static boolean isBase64Url(int c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_';
    }
}
