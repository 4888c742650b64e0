// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.GpuRequest;
import dev.hearth.core.job.ImageReference;
import dev.hearth.core.job.JobFile;
import dev.hearth.core.job.Limits;
import dev.hearth.core.job.EgressAllow;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.core.job.NetworkPolicy;
import dev.hearth.core.job.SecretValue;
import dev.hearth.core.units.ByteSize;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a driver needs to make one sandbox. Immutable; built with {@link #builder(String, List)} whose
 * defaults are the locked-down job sandbox: no network, read-only root, non-root user, {@link Limits#JOB_DEFAULTS}.
 *
 * <p>Files are delivered under {@link #WORKSPACE} before the command starts; {@link #OUTPUT_DIR} is writable by
 * the workload, as is a tmpfs at {@code /tmp}. Secrets reach the workload's environment and nothing else: the
 * spec's text shows them as {@code ****}.
 *
 * @param name a readable name for the sandbox, unique on the host while it lives
 * @param kind job or instance
 * @param image image reference (containers) or root filesystem image (microVMs)
 * @param command argv of the workload; empty keeps the image's own
 * @param env plain environment variables
 * @param secrets secret environment variables
 * @param files files to deliver under the workspace
 * @param limits memory, CPU and process limits
 * @param network network access
 * @param ports guest ports to publish on host loopback
 * @param mounts host folders to mount
 * @param gpus explicit GPUs to hand in
 * @param user {@code uid:gid} the workload runs as
 * @param readOnlyRoot whether the root filesystem is read-only
 * @param tmpSize size of the writable tmpfs at /tmp
 * @param pullPolicy when to fetch the image
 * @param allow the egress allowlist ({@link NetworkPolicy}); empty for the whole public internet under NAT
 */
public record SandboxSpec(
        String name,
        WorkloadKind kind,
        String image,
        List<String> command,
        Map<String, String> env,
        Map<String, SecretValue> secrets,
        List<JobFile> files,
        Limits limits,
        NetworkMode network,
        List<PublishedPort> ports,
        List<Mount> mounts,
        GpuRequest gpus,
        String user,
        boolean readOnlyRoot,
        ByteSize tmpSize,
        ImagePullPolicy pullPolicy,
        List<EgressAllow> allow) {

    /** The network mode with its allowlist. */
    public NetworkPolicy policy() {
        return new NetworkPolicy(network, allow);
    }

    /** Where delivered files land, and the workload's working directory. */
    public static final String WORKSPACE = "/job";
    /** A folder under the workspace the workload may write its outputs to. */
    public static final String OUTPUT_DIR = WORKSPACE + "/out";
    /** The unprivileged user jobs run as by default (nobody:nogroup). */
    public static final String UNPRIVILEGED_USER = "65534:65534";

    public SandboxSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        ImageReference.check("image", image);
        command = List.copyOf(command);
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        secrets = Collections.unmodifiableMap(new LinkedHashMap<>(secrets));
        files = List.copyOf(files);
        allow = new NetworkPolicy(Objects.requireNonNull(network, "network"), allow).allow();
        for (JobFile f : files) {
            if (!f.path().startsWith(WORKSPACE + "/") || f.path().equals(OUTPUT_DIR)) {
                throw new InvalidInputException("file target", f.path(),
                        "a path under " + WORKSPACE + "/ (the job's workspace), e.g. " + WORKSPACE + "/data.csv");
            }
        }
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(network, "network");
        ports = List.copyOf(ports);
        mounts = List.copyOf(mounts);
        Objects.requireNonNull(gpus, "gpus");
        if (user == null || !user.matches("\\d+(:\\d+)?")) {
            throw new InvalidInputException("user", user, "a numeric uid:gid such as 65534:65534");
        }
        Objects.requireNonNull(tmpSize, "tmpSize");
        Objects.requireNonNull(pullPolicy, "pullPolicy");
    }

    /** Whether the workload runs as root (uid 0). */
    public boolean runsAsRoot() {
        return user.equals("0") || user.startsWith("0:");
    }

    /** A builder with the locked-down job defaults. */
    public static Builder builder(String image, List<String> command) {
        return new Builder(image, command);
    }

    /** Collects a spec's fields; {@link #build()} validates them. Not thread-safe. */
    public static final class Builder {
        private String name = "hearth-" + java.util.UUID.randomUUID();
        private WorkloadKind kind = WorkloadKind.JOB;
        private final String image;
        private final List<String> command;
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Map<String, SecretValue> secrets = new LinkedHashMap<>();
        private final List<JobFile> files = new ArrayList<>();
        private Limits limits = Limits.JOB_DEFAULTS;
        private NetworkMode network = NetworkMode.NONE;
        private List<EgressAllow> allow = List.of();
        private final List<PublishedPort> ports = new ArrayList<>();
        private final List<Mount> mounts = new ArrayList<>();
        private GpuRequest gpus = GpuRequest.NONE;
        private String user = UNPRIVILEGED_USER;
        private boolean readOnlyRoot = true;
        private ByteSize tmpSize = new ByteSize(64L << 20);
        private ImagePullPolicy pullPolicy = ImagePullPolicy.MISSING;

        private Builder(String image, List<String> command) {
            this.image = image;
            this.command = command;
        }

        /** Sets the readable name. */
        public Builder name(String value) {
            name = value;
            return this;
        }

        /** Sets the workload kind. */
        public Builder kind(WorkloadKind value) {
            kind = value;
            return this;
        }

        /** Adds plain environment variables. */
        public Builder env(Map<String, String> values) {
            env.putAll(values);
            return this;
        }

        /** Adds secret environment variables. */
        public Builder secrets(Map<String, SecretValue> values) {
            secrets.putAll(values);
            return this;
        }

        /** Adds files to deliver. */
        public Builder files(List<JobFile> values) {
            files.addAll(values);
            return this;
        }

        /** Sets the limits. */
        public Builder limits(Limits value) {
            limits = value;
            return this;
        }

        /** Sets the network mode, without an allowlist. */
        public Builder network(NetworkMode value) {
            network = value;
            allow = List.of();
            return this;
        }

        /** Sets the network mode and egress allowlist. */
        public Builder network(NetworkPolicy value) {
            network = value.mode();
            allow = value.allow();
            return this;
        }

        /** Publishes a guest port on host loopback. */
        public Builder publish(PublishedPort value) {
            ports.add(value);
            return this;
        }

        /** Adds a host mount. */
        public Builder mount(Mount value) {
            mounts.add(value);
            return this;
        }

        /** Sets the GPUs. */
        public Builder gpus(GpuRequest value) {
            gpus = value;
            return this;
        }

        /** Sets the {@code uid:gid}. */
        public Builder user(String value) {
            user = value;
            return this;
        }

        /** Sets whether the root filesystem is read-only. */
        public Builder readOnlyRoot(boolean value) {
            readOnlyRoot = value;
            return this;
        }

        /** Sets the /tmp tmpfs size. */
        public Builder tmpSize(ByteSize value) {
            tmpSize = value;
            return this;
        }

        /** Sets the image pull policy. */
        public Builder pullPolicy(ImagePullPolicy value) {
            pullPolicy = value;
            return this;
        }

        /** Validates and builds the spec. */
        public SandboxSpec build() {
            return new SandboxSpec(name, kind, image, command, env, secrets, files, limits, network, ports, mounts,
                    gpus, user, readOnlyRoot, tmpSize, pullPolicy, allow);
        }
    }
}
