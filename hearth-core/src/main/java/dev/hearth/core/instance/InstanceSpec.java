// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.instance;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.EgressAllow;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.core.job.NetworkPolicy;
import dev.hearth.core.job.SecretValue;
import dev.hearth.core.units.ByteSize;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What {@code hearth instance create} asks for: fireclaw's flags with its defaults, validated when built. Secrets
 * are {@link SecretValue}s and never appear in the record's text.
 *
 * @param id the instance id, {@code [a-z0-9_-]{1,63}}
 * @param telegramToken the Telegram bot token
 * @param telegramUsers Telegram user ids allowed to talk to the bot (DM allowlist)
 * @param model the default model, {@code provider/model}
 * @param skills bundled skills to allow
 * @param openclawImage the image (docker) or empty for the runtime's default
 * @param hostPort the loopback port on the host, 0 to pick the first free one above BASE_PORT
 * @param vcpus virtual CPUs (a CPU quota for containers)
 * @param memoryMib memory in MiB
 * @param diskSize the guest disk size (microVMs)
 * @param anthropicApiKey Anthropic key, if given
 * @param openaiApiKey OpenAI key, if given
 * @param minimaxApiKey MiniMax key, if given (also configures the MiniMax provider)
 * @param skipBrowserInstall whether to skip installing a browser in the guest
 * @param runtime the sandbox kind
 * @param baseKernel the microVM kernel, if not the default one from BASE_IMAGES_DIR
 * @param baseRootfs the microVM root filesystem, if not the default one
 * @param baseInitrd the microVM initrd, if any
 * @param allow the egress allowlist ({@code --allow}); empty: the public internet, as {@code hearth run}'s NAT
 */
public record InstanceSpec(
        String id,
        SecretValue telegramToken,
        List<String> telegramUsers,
        String model,
        List<String> skills,
        Optional<String> openclawImage,
        int hostPort,
        int vcpus,
        int memoryMib,
        ByteSize diskSize,
        Optional<SecretValue> anthropicApiKey,
        Optional<SecretValue> openaiApiKey,
        Optional<SecretValue> minimaxApiKey,
        boolean skipBrowserInstall,
        InstanceRuntime runtime,
        Optional<String> baseKernel,
        Optional<String> baseRootfs,
        Optional<String> baseInitrd,
        List<EgressAllow> allow) {

    /** Longest instance id; ids name containers, folders and TAP devices. */
    public static final int MAX_ID_LENGTH = 63;
    /** The id form, as error messages show it. */
    public static final String ID_FORM = "[a-z0-9_-]{1," + MAX_ID_LENGTH + "}";
    public static final String DEFAULT_MODEL = "anthropic/claude-opus-4-6";
    public static final List<String> DEFAULT_SKILLS =
            List.of("github", "tmux", "coding-agent", "session-logs", "skill-creator");
    public static final int DEFAULT_VCPUS = 4;
    public static final int DEFAULT_MEMORY_MIB = 8192;
    public static final String DEFAULT_DISK_SIZE = "40G";

    private static final Pattern ID = Pattern.compile(ID_FORM);
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._:+/=~@-]{1,4096}");
    private static final Pattern USER = Pattern.compile("\\d{1,20}");
    private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9._-]+/[A-Za-z0-9._:@/+-]+");
    private static final Pattern SKILL = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    public InstanceSpec {
        checkId(id);
        Objects.requireNonNull(telegramToken, "telegramToken");
        telegramUsers = List.copyOf(telegramUsers);
        Objects.requireNonNull(model, "model");
        skills = List.copyOf(skills);
        Objects.requireNonNull(diskSize, "diskSize");
        Objects.requireNonNull(runtime, "runtime");
        allow = new NetworkPolicy(NetworkMode.NAT, allow).allow();
        if (hostPort < 0 || hostPort > 65535) {
            throw new InvalidInputException("--host-port", Integer.toString(hostPort), "a port within 1..65535");
        }
    }

    /** The same request with another host port (0: pick one). */
    public InstanceSpec withHostPort(int port) {
        return new InstanceSpec(id, telegramToken, telegramUsers, model, skills, openclawImage, port, vcpus, memoryMib,
                diskSize, anthropicApiKey, openaiApiKey, minimaxApiKey, skipBrowserInstall, runtime, baseKernel,
                baseRootfs, baseInitrd, allow);
    }

    /** The same request with other microVM base files (each empty: the default from BASE_IMAGES_DIR). */
    public InstanceSpec withBaseFiles(Optional<String> kernel, Optional<String> rootfs, Optional<String> initrd) {
        return new InstanceSpec(id, telegramToken, telegramUsers, model, skills, openclawImage, hostPort, vcpus,
                memoryMib, diskSize, anthropicApiKey, openaiApiKey, minimaxApiKey, skipBrowserInstall, runtime, kernel,
                rootfs, initrd, allow);
    }

    /** Checks an instance id (also for the lifecycle commands' ID argument). */
    public static String checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new InvalidInputException(id == null ? "--instance" : "instance id", id,
                    "it must match " + ID_FORM + " (lower-case letters, digits, '_' and '-')");
        }
        return id;
    }

    /** A builder taking the flags' text, each checked with its flag's name. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects flag values; {@link #build()} validates them all, naming the flag at fault. Not thread-safe. */
    public static final class Builder {
        private String id;
        private String telegramToken;
        private String telegramUsers = "";
        private String model = DEFAULT_MODEL;
        private String skills = String.join(",", DEFAULT_SKILLS);
        private String openclawImage;
        private String hostPort;
        private String vcpus = Integer.toString(DEFAULT_VCPUS);
        private String memoryMib = Integer.toString(DEFAULT_MEMORY_MIB);
        private String diskSize = DEFAULT_DISK_SIZE;
        private String anthropicApiKey;
        private String openaiApiKey;
        private String minimaxApiKey;
        private boolean skipBrowserInstall;
        private String runtime = "docker";
        private String baseKernel;
        private String baseRootfs;
        private String baseInitrd;
        private List<String> allow = List.of();

        private Builder() {
        }

        public Builder id(String v) { id = v; return this; }
        public Builder telegramToken(String v) { telegramToken = v; return this; }
        public Builder telegramUsers(String v) { if (v != null) { telegramUsers = v; } return this; }
        public Builder model(String v) { if (v != null) { model = v; } return this; }
        public Builder skills(String v) { if (v != null) { skills = v; } return this; }
        public Builder openclawImage(String v) { openclawImage = v; return this; }
        public Builder hostPort(String v) { hostPort = v; return this; }
        public Builder vcpus(String v) { if (v != null) { vcpus = v; } return this; }
        public Builder memoryMib(String v) { if (v != null) { memoryMib = v; } return this; }
        public Builder diskSize(String v) { if (v != null) { diskSize = v; } return this; }
        public Builder anthropicApiKey(String v) { anthropicApiKey = v; return this; }
        public Builder openaiApiKey(String v) { openaiApiKey = v; return this; }
        public Builder minimaxApiKey(String v) { minimaxApiKey = v; return this; }
        public Builder skipBrowserInstall(boolean v) { skipBrowserInstall = v; return this; }
        public Builder runtime(String v) { if (v != null) { runtime = v; } return this; }
        public Builder baseKernel(String v) { baseKernel = v; return this; }
        public Builder baseRootfs(String v) { baseRootfs = v; return this; }
        public Builder baseInitrd(String v) { baseInitrd = v; return this; }
        /** {@code --allow} entries, HOST:PORT each; null is none. */
        public Builder allow(List<String> v) { allow = v == null ? List.of() : List.copyOf(v); return this; }

        /** Validates every field, in flag order, and builds the spec. */
        public InstanceSpec build() {
            if (id == null) {
                throw new InvalidInputException("--instance", null, "an instance id matching " + ID_FORM);
            }
            checkId(id);
            SecretValue telegram = secret("--telegram-token", telegramToken)
                    .orElseThrow(() -> new InvalidInputException("--telegram-token", null,
                            "the Telegram bot token from @BotFather, such as 123456:ABC-def"));
            List<String> users = csv("--telegram-users", telegramUsers, USER, "Telegram user ids (digits)");
            if (!MODEL.matcher(model).matches()) {
                throw new InvalidInputException("--model", model, "a model id provider/model, such as " + DEFAULT_MODEL);
            }
            List<String> skillList = csv("--skills", skills, SKILL, "skill names of lower-case letters, digits, - and _");
            if (openclawImage != null) {
                dev.hearth.core.job.ImageReference.check("--openclaw-image", openclawImage);
            }
            int port = hostPort == null ? 0 : integer("--host-port", hostPort, 1, 65535, "a port within 1..65535");
            int cpu = integer("--vm-vcpu", vcpus, 1, 64, "a whole number of vCPUs within 1..64");
            int mem = integer("--vm-mem-mib", memoryMib, 256, 1 << 20, "memory in MiB within 256..1048576");
            ByteSize disk = ByteSize.parse("--disk-size", diskSize);
            if (disk.bytes() < (1L << 30)) {
                throw new InvalidInputException("--disk-size", diskSize, "at least 1G, such as " + DEFAULT_DISK_SIZE);
            }
            InstanceRuntime rt = InstanceRuntime.parse("--runtime", runtime);
            if (!rt.microVm()) {
                for (String[] flag : new String[][] {{"--base-kernel", baseKernel}, {"--base-rootfs", baseRootfs},
                        {"--base-initrd", baseInitrd}}) {
                    if (flag[1] != null) {
                        throw new InvalidInputException(flag[0], flag[1],
                                "a guest image file, used only with --runtime qemu or firecracker");
                    }
                }
            }
            List<EgressAllow> allowed = NetworkPolicy.parse("--network", "nat", "--allow", allow).allow();
            return new InstanceSpec(id, telegram, users, model, skillList, Optional.ofNullable(openclawImage), port,
                    cpu, mem, disk, secret("--anthropic-api-key", anthropicApiKey),
                    secret("--openai-api-key", openaiApiKey), secret("--minimax-api-key", minimaxApiKey),
                    skipBrowserInstall, rt, path("--base-kernel", baseKernel), path("--base-rootfs", baseRootfs),
                    path("--base-initrd", baseInitrd), allowed);
        }

        private static Optional<SecretValue> secret(String flag, String value) {
            if (value == null) {
                return Optional.empty();
            }
            // The value is never echoed: error messages would carry it into logs and terminals.
            if (!TOKEN.matcher(value).matches()) {
                throw new InvalidInputException(flag, "(hidden)",
                        "a non-empty value of letters, digits and . _ : + / = ~ @ - (no spaces, quotes or line breaks)");
            }
            return Optional.of(SecretValue.of(value));
        }

        private static List<String> csv(String flag, String text, Pattern item, String form) {
            List<String> out = new ArrayList<>();
            if (text.isBlank()) {
                return out;
            }
            for (String part : Arrays.asList(text.split(",", -1))) {
                String p = part.strip();
                if (!item.matcher(p).matches()) {
                    throw new InvalidInputException(flag, text, "a comma-separated list of " + form);
                }
                if (!out.contains(p)) {
                    out.add(p);
                }
            }
            return out;
        }

        private static int integer(String flag, String text, int min, int max, String form) {
            try {
                int v = Integer.parseInt(text.strip());
                if (v >= min && v <= max) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // reported below with the accepted form
            }
            throw new InvalidInputException(flag, text, form);
        }

        private static Optional<String> path(String flag, String text) {
            if (text == null) {
                return Optional.empty();
            }
            if (text.isBlank() || !text.startsWith("/")) {
                throw new InvalidInputException(flag, text, "an absolute path to a guest image file");
            }
            return Optional.of(text);
        }
    }
}
