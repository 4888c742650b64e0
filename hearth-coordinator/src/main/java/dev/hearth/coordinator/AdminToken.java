// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The coordinator's admin token: created on first start in {@code admin.token} (mode 600) and read after. Clients
 * present it as {@code Authorization: Bearer <token>}; it is compared in constant time. Immutable.
 */
public final class AdminToken {

    /** The file name under the data folder. */
    public static final String FILE = "admin.token";

    private final byte[] token;

    private AdminToken(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads the token from {@code dataDir/admin.token}, creating it (and the folder, mode 700) on first start.
     *
     * @throws IOException when the file cannot be made or is readable by others
     */
    public static AdminToken loadOrCreate(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String fresh = "hat_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, fresh + "\n");
            } catch (FileAlreadyExistsException raced) {
                // another coordinator process made it first: read theirs
            }
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)) {
            throw new IOException(file + " is readable by others (" + PosixFilePermissions.toString(mode)
                    + "); make it mode 600: chmod 600 " + file);
        }
        return new AdminToken(Files.readString(file).strip());
    }

    /** Whether an {@code Authorization} header value carries this token. */
    public boolean matches(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) {
            return false;
        }
        byte[] given = authorizationHeader.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token);
    }
}
