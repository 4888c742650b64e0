// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import dev.hearth.sandbox.SandboxException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches one exact package version from the npm registry and unpacks it, checking the tarball against the
 * registry's sha512 integrity. Used for the two packages that bootstrap an OpenClaw build (Node and npm itself),
 * so the host needs neither Node nor npm. The registry is {@code npm_config_registry} or registry.npmjs.org.
 */
final class NpmRegistry {

    private static final Logger log = LoggerFactory.getLogger(NpmRegistry.class);
    private static final String DEFAULT = "https://registry.npmjs.org/";

    private NpmRegistry() {
    }

    static String registry() {
        String r = System.getenv().getOrDefault("npm_config_registry", DEFAULT);
        return r.endsWith("/") ? r : r + "/";
    }

    /**
     * Unpacks {@code name@version} into {@code target} (the tarball's {@code package/} folder becomes
     * {@code target}), keeping executable bits.
     */
    static void unpack(String name, String version, Path target) throws SandboxException, InterruptedException {
        // A registry that does not answer once (a connect time-out on a loaded machine) is tried twice more before
        // the build gives up; a wrong answer (status, integrity) is final at once.
        for (int attempt = 1; ; attempt++) {
            try {
                unpackOnce(name, version, target);
                return;
            } catch (SandboxException e) {
                if (attempt >= FETCH_ATTEMPTS || !(e.getCause() instanceof IOException)) {
                    throw e;
                }
                log.warn("{}; trying again ({} of {})", e.getMessage(), attempt + 1, FETCH_ATTEMPTS);
                Thread.sleep(2_000L * attempt);
            }
        }
    }

    private static final int FETCH_ATTEMPTS = 3;

    private static void unpackOnce(String name, String version, Path target)
            throws SandboxException, InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20)).build()) {
            HttpResponse<String> meta = http.send(HttpRequest.newBuilder(URI.create(registry() + name + "/" + version))
                    .timeout(Duration.ofMinutes(1)).header("Accept", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString());
            if (meta.statusCode() != 200) {
                throw new SandboxException("the npm registry " + registry() + " answered " + meta.statusCode()
                        + " for " + name + "@" + version);
            }
            JsonNode dist = Json.mapper().readTree(meta.body()).path("dist");
            String integrity = dist.path("integrity").asText("");
            if (!integrity.startsWith("sha512-")) {
                throw new SandboxException(name + "@" + version + " has no sha512 integrity in the registry");
            }
            Path tgz = Files.createTempFile("hearth-npm-", ".tgz");
            try {
                HttpResponse<Path> body = http.send(HttpRequest.newBuilder(URI.create(dist.path("tarball").asText()))
                        .timeout(Duration.ofMinutes(15)).build(),
                        HttpResponse.BodyHandlers.ofFile(tgz));
                if (body.statusCode() != 200) {
                    throw new SandboxException("downloading " + name + "@" + version + " failed: HTTP "
                            + body.statusCode());
                }
                String actual = "sha512-" + Base64.getEncoder().encodeToString(sha512(tgz));
                if (!actual.equals(integrity)) {
                    throw new SandboxException(name + "@" + version + " does not match the registry's integrity "
                            + integrity + " (got " + actual + ")");
                }
                extract(tgz, target);
            } finally {
                Files.deleteIfExists(tgz);
            }
        } catch (IOException e) {
            throw new SandboxException("cannot fetch " + name + "@" + version + " from " + registry() + ": "
                    + e.getMessage(), e);
        }
    }

    private static byte[] sha512(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-512");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void extract(Path tgz, Path target) throws IOException {
        Path root = target.toAbsolutePath().normalize();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(
                Files.newInputStream(tgz)))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                String name = e.getName();
                int slash = name.indexOf('/');
                if (slash < 0 || !e.isFile()) {
                    continue;
                }
                Path out = root.resolve(name.substring(slash + 1)).normalize();
                if (!out.startsWith(root)) {
                    throw new IOException("package entry " + name + " escapes its folder");
                }
                Files.createDirectories(out.getParent());
                Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                Set<PosixFilePermission> perms = EnumSet.of(PosixFilePermission.OWNER_READ,
                        PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
                if ((e.getMode() & 0111) != 0) {
                    perms.addAll(Set.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                            PosixFilePermission.OTHERS_EXECUTE));
                }
                Files.setPosixFilePermissions(out, perms);
            }
        }
    }
}
