// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.instance;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.hearth.core.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An instance request as the coordinator's API and the {@code instance_create} message carry it: the fields of
 * {@code hearth instance create}, as text, named in camelCase ({@code --telegram-token} is {@code telegramToken},
 * {@code --instance} is {@code id}). {@link #toSpec()} validates it with {@link InstanceSpec.Builder}, so the API,
 * the agent and the CLI accept exactly the same values; errors name the document field. Holds secrets:
 * {@link #toString()} hides them, and the coordinator only passes the document on, never storing or logging it.
 *
 * @param id the instance id
 * @param telegramToken the Telegram bot token (secret)
 * @param telegramUsers comma-separated Telegram user ids
 * @param model the default model
 * @param skills comma-separated bundled skills
 * @param openclawImage the image, or null for the default
 * @param hostPort the loopback port, or null to pick one
 * @param vcpus virtual CPUs
 * @param memoryMib memory in MiB
 * @param diskSize the guest disk size
 * @param anthropicApiKey Anthropic key (secret), or null
 * @param openaiApiKey OpenAI key (secret), or null
 * @param minimaxApiKey MiniMax key (secret), or null
 * @param skipBrowserInstall whether no browser is installed
 * @param runtime docker, qemu or firecracker
 * @param baseKernel the microVM kernel, or null
 * @param baseRootfs the microVM root filesystem, or null
 * @param baseInitrd the microVM initrd, or null
 * @param allow the egress allowlist, {@code HOST:PORT} entries as {@code --allow} takes them, or null for none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstanceDocument(String id, String telegramToken, String telegramUsers, String model, String skills,
        String openclawImage, String hostPort, String vcpus, String memoryMib, String diskSize, String anthropicApiKey,
        String openaiApiKey, String minimaxApiKey, Boolean skipBrowserInstall, String runtime, String baseKernel,
        String baseRootfs, String baseInitrd, List<String> allow) {

    /** The document field each of {@code hearth instance create}'s flags is carried in. */
    private static final Map<String, String> FIELDS = fields();

    private static Map<String, String> fields() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("--instance", "id");
        m.put("instance id", "id");
        m.put("--telegram-token", "telegramToken");
        m.put("--telegram-users", "telegramUsers");
        m.put("--model", "model");
        m.put("--skills", "skills");
        m.put("--openclaw-image", "openclawImage");
        m.put("--host-port", "hostPort");
        m.put("--vm-vcpu", "vcpus");
        m.put("--vm-mem-mib", "memoryMib");
        m.put("--disk-size", "diskSize");
        m.put("--anthropic-api-key", "anthropicApiKey");
        m.put("--openai-api-key", "openaiApiKey");
        m.put("--minimax-api-key", "minimaxApiKey");
        m.put("--runtime", "runtime");
        m.put("--base-kernel", "baseKernel");
        m.put("--base-rootfs", "baseRootfs");
        m.put("--base-initrd", "baseInitrd");
        m.put("--allow", "allow");
        return Map.copyOf(m);
    }

    /** The document field that carries a flag's value, or the flag itself when it is not one of create's. */
    public static String field(String flag) {
        return FIELDS.getOrDefault(flag, flag);
    }

    /**
     * Validates every field and builds the request.
     *
     * @throws InvalidInputException naming the document field at fault and the form it accepts (secret values are
     *     never shown)
     */
    public InstanceSpec toSpec() {
        try {
            return InstanceSpec.builder().id(id).telegramToken(telegramToken).telegramUsers(telegramUsers)
                    .model(model).skills(skills).openclawImage(openclawImage).hostPort(hostPort).vcpus(vcpus)
                    .memoryMib(memoryMib).diskSize(diskSize).anthropicApiKey(anthropicApiKey)
                    .openaiApiKey(openaiApiKey).minimaxApiKey(minimaxApiKey)
                    .skipBrowserInstall(Boolean.TRUE.equals(skipBrowserInstall)).runtime(runtime)
                    .baseKernel(baseKernel).baseRootfs(baseRootfs).baseInitrd(baseInitrd).allow(allow).build();
        } catch (InvalidInputException e) {
            throw e.renamed(field(e.field()));
        }
    }

    /** The same document without its secrets (for anything that is shown or kept). */
    @JsonIgnore
    public InstanceDocument withoutSecrets() {
        return new InstanceDocument(id, telegramToken == null ? null : "(hidden)", telegramUsers, model, skills,
                openclawImage, hostPort, vcpus, memoryMib, diskSize, anthropicApiKey == null ? null : "(hidden)",
                openaiApiKey == null ? null : "(hidden)", minimaxApiKey == null ? null : "(hidden)",
                skipBrowserInstall, runtime, baseKernel, baseRootfs, baseInitrd, allow);
    }

    /** The fields, secrets hidden: a document may reach a log line through its record text. */
    @Override
    public String toString() {
        InstanceDocument shown = withoutSecrets();
        return "InstanceDocument[id=" + shown.id + ", telegramToken=" + shown.telegramToken + ", telegramUsers="
                + shown.telegramUsers + ", model=" + shown.model + ", skills=" + shown.skills + ", openclawImage="
                + shown.openclawImage + ", hostPort=" + shown.hostPort + ", vcpus=" + shown.vcpus + ", memoryMib="
                + shown.memoryMib + ", diskSize=" + shown.diskSize + ", anthropicApiKey=" + shown.anthropicApiKey
                + ", openaiApiKey=" + shown.openaiApiKey + ", minimaxApiKey=" + shown.minimaxApiKey
                + ", skipBrowserInstall=" + shown.skipBrowserInstall + ", runtime=" + shown.runtime + ", allow=" + shown.allow
                + "]";
    }
}
