// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import dev.hearth.core.InvalidInputException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the operator lets jobs and instances make this host pull: which images (by registry or repository pattern),
 * which registries get the operator's credentials from the Docker config ({@code ~/.docker/config.json}), and how
 * long one pull may take. Every other pull is anonymous. Immutable and thread-safe.
 *
 * <p>Patterns ({@value #ALLOWED_IMAGES}, comma-separated) are matched against the image's full name, registry
 * included ({@code python:3.12} is {@code docker.io/library/python}): {@code ghcr.io/} allows a whole registry,
 * {@code docker.io/library/*} every repository under a path, {@code docker.io/library/python} one repository, any
 * tag. An empty list allows every image (the default, as before), still pulled anonymously.
 *
 * @param allowed the patterns; empty: every image may be pulled
 * @param credentialRegistries registries (host[:port], {@code docker.io} for Docker Hub) whose credentials are sent
 * @param pullTimeout how long one pull may take before it is abandoned and the image refused
 */
public record ImagePolicy(List<String> allowed, Set<String> credentialRegistries, Duration pullTimeout) {

    /** The variable listing allowed image patterns. */
    public static final String ALLOWED_IMAGES = "HEARTH_ALLOWED_IMAGES";
    /** The variable listing registries that get the operator's credentials. */
    public static final String REGISTRY_CREDENTIALS = "HEARTH_REGISTRY_CREDENTIALS";
    /** The variable holding the pull deadline. */
    public static final String PULL_TIMEOUT = "HEARTH_PULL_TIMEOUT";
    /** The pull deadline when none is set. */
    public static final Duration DEFAULT_PULL_TIMEOUT = Duration.ofMinutes(10);
    /** Every image, anonymously, within the default deadline. */
    public static final ImagePolicy OPEN = new ImagePolicy(List.of(), Set.of(), DEFAULT_PULL_TIMEOUT);

    public ImagePolicy {
        allowed = List.copyOf(allowed);
        credentialRegistries = Set.copyOf(credentialRegistries);
        if (pullTimeout.isNegative() || pullTimeout.isZero()) {
            throw new InvalidInputException(PULL_TIMEOUT, pullTimeout.toString(), "a positive duration such as 10m");
        }
    }

    /**
     * Reads the policy from {@value #ALLOWED_IMAGES}, {@value #REGISTRY_CREDENTIALS} and {@value #PULL_TIMEOUT}.
     *
     * @throws InvalidInputException naming the variable whose value is malformed
     */
    public static ImagePolicy from(Map<String, String> env) {
        String timeout = env.getOrDefault(PULL_TIMEOUT, "").strip();
        return new ImagePolicy(list(env.get(ALLOWED_IMAGES)), Set.copyOf(list(env.get(REGISTRY_CREDENTIALS))),
                timeout.isEmpty() ? DEFAULT_PULL_TIMEOUT : duration(timeout));
    }

    private static List<String> list(String text) {
        return text == null ? List.of() : Arrays.stream(text.split(",")).map(String::strip)
                .filter(s -> !s.isEmpty()).map(s -> s.toLowerCase(Locale.ROOT)).distinct().toList();
    }

    private static Duration duration(String text) {
        try {
            String t = text.toLowerCase(Locale.ROOT);
            return t.matches("\\d+[smh]") ? Duration.parse("PT" + t.toUpperCase(Locale.ROOT)) : Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new InvalidInputException(PULL_TIMEOUT, text, "a duration such as 90s, 10m or 1h");
        }
    }

    /** Whether {@code image} may be pulled. */
    public boolean allows(String image) {
        if (allowed.isEmpty()) {
            return true;
        }
        String name = fullName(image);
        return allowed.stream().anyMatch(p -> p.endsWith("/") || p.endsWith("*")
                ? name.startsWith(p.substring(0, p.length() - (p.endsWith("*") ? 1 : 0)))
                : name.equals(fullName(p)));
    }

    /** Whether the operator's credentials may go with a pull of {@code image}. */
    public boolean sendsCredentials(String image) {
        return credentialRegistries.contains(registry(image));
    }

    /** The refusal of an image outside the list, naming it and the setting. */
    String refusal(String image) {
        return "image '" + image + "' (" + fullName(image) + ") is not in this node's " + ALLOWED_IMAGES + " "
                + allowed + "; the operator may add its registry or repository there, or load it with 'docker load'";
    }

    /** The registry host of an image reference, {@code docker.io} for Docker Hub. */
    static String registry(String image) {
        String ref = image.toLowerCase(Locale.ROOT);
        int slash = ref.indexOf('/');
        String first = slash < 0 ? "" : ref.substring(0, slash);
        return first.contains(".") || first.contains(":") || first.equals("localhost") ? first : "docker.io";
    }

    /** {@code registry/path} without tag or digest: {@code python:3.12} is {@code docker.io/library/python}. */
    static String fullName(String image) {
        String ref = image.toLowerCase(Locale.ROOT);
        int at = ref.indexOf('@');
        if (at >= 0) {
            ref = ref.substring(0, at);
        }
        int colon = ref.lastIndexOf(':');
        if (colon > ref.lastIndexOf('/')) {
            ref = ref.substring(0, colon);
        }
        String registry = registry(ref);
        String path = ref.startsWith(registry + "/") ? ref.substring(registry.length() + 1) : ref;
        if (registry.equals("docker.io") && !path.contains("/")) {
            path = "library/" + path;
        }
        return registry + "/" + path;
    }

    @Override
    public String toString() {
        return "ImagePolicy[allowed=" + allowed + ", credentials for " + credentialRegistries.stream().sorted()
                .collect(Collectors.joining(", ", "[", "]")) + ", pull timeout " + pullTimeout + "]";
    }
}
