// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A job handed to a node under a lease ({@code type: job}). The first eight fields are Hypernode v2.0's, filled
 * for every node so a v2.0 agent can run it; the rest are Hearth's and carry the whole {@code JobSpec}.
 *
 * @param id job id
 * @param requirements pip requirements, space-separated (v2.0)
 * @param gpuRequired whether the job wants a GPU (v2.0)
 * @param memoryLimit memory limit in Docker notation, e.g. {@code 8g} (v2.0)
 * @param cpuLimit CPUs (v2.0)
 * @param script Python source of the job, or null (v2.0)
 * @param datasets data set references, passed through (v2.0)
 * @param estimatedTime seconds the submitter expects (v2.0)
 * @param epoch the lease epoch: echo it in the result (Hearth)
 * @param spec the job's full specification (Hearth)
 * @param traceparent the job's W3C traceparent (Hearth 1.1; absent before, and ignored by v2.0 agents): the agent
 *     logs its run under this trace id, so one job's lines on every host share it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobOffer(
        String id,
        String requirements,
        boolean gpuRequired,
        String memoryLimit,
        double cpuLimit,
        String script,
        JsonNode datasets,
        Long estimatedTime,
        Long epoch,
        WireJobSpec spec,
        String traceparent) implements CoordinatorMessage {

    /** An offer without a trace (a v2.0 coordinator's, or a test's). */
    public JobOffer(String id, String requirements, boolean gpuRequired, String memoryLimit, double cpuLimit,
            String script, JsonNode datasets, Long estimatedTime, Long epoch, WireJobSpec spec) {
        this(id, requirements, gpuRequired, memoryLimit, cpuLimit, script, datasets, estimatedTime, epoch, spec, null);
    }

    /** This offer carrying {@code value} as its traceparent. */
    public JobOffer withTraceparent(String value) {
        return new JobOffer(id, requirements, gpuRequired, memoryLimit, cpuLimit, script, datasets, estimatedTime,
                epoch, spec, value);
    }

    /**
     * A job specification as it travels: everything of {@code JobSpec}, files base64-encoded.
     *
     * @param image image reference
     * @param command argv
     * @param env environment
     * @param secrets secret environment (travels only over the agent's connection; never logged)
     * @param files files to deliver
     * @param memory memory limit, Docker notation
     * @param cpus CPUs, decimal text
     * @param pids process limit
     * @param network {@code "none"}, {@code "nat"} (v2.0's form) or {@code {"mode": "nat", "allow": [...]}} (Hearth's
     *     egress allowlist; a node that reads only the string form cannot read it)
     * @param timeoutSeconds wall-clock limit
     * @param gpuIndexes GPU indexes assigned on the node
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record WireJobSpec(
            String image,
            List<String> command,
            Map<String, String> env,
            Map<String, String> secrets,
            List<WireFile> files,
            String memory,
            String cpus,
            long pids,
            Object network,
            long timeoutSeconds,
            List<Integer> gpuIndexes) {

        public WireJobSpec {
            command = command == null ? List.of() : List.copyOf(command);
            env = env == null ? Map.of() : Map.copyOf(env);
            secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
            files = files == null ? List.of() : List.copyOf(files);
            gpuIndexes = gpuIndexes == null ? List.of() : List.copyOf(gpuIndexes);
        }

        @Override
        public String toString() {
            return "WireJobSpec[image=" + image + ", command=" + command + ", env=" + env + ", secrets="
                    + secrets.keySet() + "=****, files=" + files.size() + ", memory=" + memory + ", cpus=" + cpus
                    + ", pids=" + pids + ", network=" + network + ", timeoutSeconds=" + timeoutSeconds + "]";
        }
    }

    /**
     * A file as it travels.
     *
     * @param path absolute path in the sandbox
     * @param content base64 of the bytes
     * @param mode permission bits
     * @param blob the digest of the uploaded blob the file gets (then {@code content} is empty and the node fetches
     *     the bytes from the coordinator over HTTP); absent for a file whose bytes travel here
     * @param size the blob's length in bytes; absent without a blob
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record WireFile(String path, String content, int mode, String blob, Long size) {

        /** A file whose bytes travel in the offer. */
        public WireFile(String path, String content, int mode) {
            this(path, content, mode, null, null);
        }
    }
}
