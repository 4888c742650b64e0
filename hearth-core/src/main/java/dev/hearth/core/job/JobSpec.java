// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import dev.hearth.core.InvalidInputException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A run-to-completion job: what to run, in which image, with what limits, for how long.
 *
 * <p>Immutable; the compact constructor validates every field and names the one at fault. Secrets are held as
 * {@link SecretValue} so that printing a spec never shows them.
 *
 * @param id job id, {@code [A-Za-z0-9_.-]{1,128}}
 * @param image container image reference
 * @param command argv of the command, never empty
 * @param env environment variables (names {@code [A-Za-z_][A-Za-z0-9_]*})
 * @param secrets secret environment variables, never logged
 * @param files files delivered into the sandbox before the command starts
 * @param limits memory, CPU and process limits
 * @param network network access: mode and egress allowlist
 * @param timeout wall-clock limit for the command
 * @param gpus GPUs wanted
 */
public record JobSpec(
        String id,
        String image,
        List<String> command,
        Map<String, String> env,
        Map<String, SecretValue> secrets,
        List<JobFile> files,
        Limits limits,
        NetworkPolicy network,
        Duration timeout,
        GpuRequest gpus) {

    /** Hearth's default job timeout: 300 s, as HN_JOB_TIMEOUT. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(300);

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public JobSpec {
        if (id == null || !ID.matcher(id).matches()) {
            throw new InvalidInputException("job id", id, "1 to 128 characters of [A-Za-z0-9_.-]");
        }
        ImageReference.check("image", image);
        command = List.copyOf(Objects.requireNonNull(command, "command"));
        if (command.isEmpty() || command.get(0).isBlank()) {
            throw new InvalidInputException("command", command.isEmpty() ? null : command.get(0),
                    "a command to run inside the sandbox, given after --, e.g. hearth run -- echo hello");
        }
        env = immutableCopy(env);
        secrets = immutableCopy(secrets);
        for (String name : env.keySet()) {
            checkEnvName("env", name);
        }
        for (String name : secrets.keySet()) {
            checkEnvName("secret", name);
            if (env.containsKey(name)) {
                throw new InvalidInputException("secret", name, "a name not also given as a plain --env variable");
            }
        }
        files = List.copyOf(Objects.requireNonNull(files, "files"));
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(network, "network");
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new InvalidInputException("timeout", String.valueOf(timeout), "a positive duration");
        }
        Objects.requireNonNull(gpus, "gpus");
    }

    private static <V> Map<String, V> immutableCopy(Map<String, V> map) {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(map)));
    }

    /**
     * Checks an environment variable name for the named field.
     *
     * @throws InvalidInputException when the name is not a portable shell variable name
     */
    public static String checkEnvName(String field, String name) {
        if (name == null || !ENV_NAME.matcher(name).matches()) {
            throw new InvalidInputException(field, name, "a variable name matching [A-Za-z_][A-Za-z0-9_]*");
        }
        return name;
    }

    /** A builder with Hearth's job defaults: no network, {@link Limits#JOB_DEFAULTS}, 300 s, no GPU. */
    public static Builder builder(String id, String image, List<String> command) {
        return new Builder(id, image, command);
    }

    /** Collects optional fields before validation. Not thread-safe. */
    public static final class Builder {
        private final String id;
        private final String image;
        private final List<String> command;
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Map<String, SecretValue> secrets = new LinkedHashMap<>();
        private final java.util.ArrayList<JobFile> files = new java.util.ArrayList<>();
        private Limits limits = Limits.JOB_DEFAULTS;
        private NetworkPolicy network = NetworkPolicy.NONE;
        private Duration timeout = DEFAULT_TIMEOUT;
        private GpuRequest gpus = GpuRequest.NONE;

        private Builder(String id, String image, List<String> command) {
            this.id = id;
            this.image = image;
            this.command = command;
        }

        /** Adds an environment variable. */
        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** Adds a secret environment variable. */
        public Builder secret(String name, SecretValue value) {
            secrets.put(name, value);
            return this;
        }

        /** Adds a file to deliver. */
        public Builder file(JobFile file) {
            files.add(file);
            return this;
        }

        /** Sets the limits. */
        public Builder limits(Limits value) {
            limits = value;
            return this;
        }

        /** Sets the network mode, without an allowlist. */
        public Builder network(NetworkMode value) {
            network = NetworkPolicy.of(value);
            return this;
        }

        /** Sets the network policy: mode and egress allowlist. */
        public Builder network(NetworkPolicy value) {
            network = value;
            return this;
        }

        /** Sets the timeout. */
        public Builder timeout(Duration value) {
            timeout = value;
            return this;
        }

        /** Sets the GPU request. */
        public Builder gpus(GpuRequest value) {
            gpus = value;
            return this;
        }

        /** Validates and builds the spec. */
        public JobSpec build() {
            return new JobSpec(id, image, command, env, secrets, files, limits, network, timeout, gpus);
        }
    }
}
