// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.ImageReference;
import dev.hearth.core.job.JobFile;
import dev.hearth.core.job.JobSpec;
import dev.hearth.core.job.Limits;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.core.job.NetworkPolicy;
import dev.hearth.core.job.PythonScript;
import dev.hearth.core.job.SecretValue;
import dev.hearth.core.units.ByteSize;
import dev.hearth.core.units.CpuQuota;
import dev.hearth.core.units.DurationText;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.image.BaseImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Turns {@code hearth run}'s flags into a validated {@link JobSpec}, reading local files, before anything is
 * created. Every refusal is an {@link InvalidInputException} naming the flag and its accepted form.
 */
final class RunRequest {

    /** Most bytes of files delivered with one job: they travel in memory to the engine. */
    static final long MAX_FILE_BYTES = 256L << 20;

    private final RunCommand flags;
    private final Map<String, String> environment;

    RunRequest(RunCommand flags, Map<String, String> environment) {
        this.flags = flags;
        this.environment = environment;
    }

    JobSpec toJobSpec() {
        Limits limits = new Limits(ByteSize.parse("--memory", flags.memory), CpuQuota.parse("--cpus", flags.cpus),
                positiveInt("--pids", flags.pids));
        NetworkPolicy network = NetworkPolicy.parse("--network", flags.network, "--allow", flags.allow);
        Duration timeout = flags.timeout != null ? DurationText.parsePositive("--timeout", flags.timeout)
                : environment.containsKey("HN_JOB_TIMEOUT")
                        ? DurationText.parsePositive("HN_JOB_TIMEOUT", environment.get("HN_JOB_TIMEOUT"))
                        : JobSpec.DEFAULT_TIMEOUT;
        String image = flags.image != null ? ImageReference.check("--image", flags.image)
                : flags.script != null ? BaseImages.PYTHON : BaseImages.BUSYBOX;
        List<JobFile> files = new ArrayList<>();
        for (String f : flags.files) {
            files.add(file(f));
        }
        List<String> command = new ArrayList<>(flags.command);
        if (flags.requirements != null && flags.script == null) {
            throw new InvalidInputException("--requirements", flags.requirements, "used only with --script FILE");
        }
        if (flags.script != null) {
            command = scriptCommand(network.mode(), files, command);
        }
        long total = files.stream().mapToLong(f -> f.content().length).sum();
        if (total > MAX_FILE_BYTES) {
            throw new InvalidInputException("--file", total + " bytes in all",
                    "at most " + (MAX_FILE_BYTES >> 20) + " MiB of files per job; mount larger data instead");
        }
        String id = flags.jobId != null ? flags.jobId : UUID.randomUUID().toString();
        JobSpec.Builder builder = JobSpec.builder(id, image, command).limits(limits).network(network).timeout(timeout);
        files.forEach(builder::file);
        for (String e : flags.env) {
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException("--env", e, "NAME=VALUE, e.g. --env MODE=fast");
            }
            builder.env(JobSpec.checkEnvName("--env", e.substring(0, eq)), e.substring(eq + 1));
        }
        for (String name : flags.secrets) {
            JobSpec.checkEnvName("--secret", name);
            String value = environment.get(name);
            if (value == null) {
                throw new InvalidInputException("--secret", name, "the name of a variable set in hearth's own "
                        + "environment, e.g. API_KEY=... hearth run --secret API_KEY -- ...");
            }
            builder.secret(name, SecretValue.of(value));
        }
        return builder.build();
    }

    private List<String> scriptCommand(NetworkMode network, List<JobFile> files, List<String> args) {
        Path local = Path.of(flags.script);
        JobFile script = new JobFile(SandboxSpec.WORKSPACE + "/" + local.getFileName(), read("--script", local), 0644);
        files.add(script);
        return PythonScript.command("--requirements", flags.requirements, network, script.path(), args, files);
    }

    private static JobFile file(String flag) {
        int colon = flag.lastIndexOf(':');
        Path local = Path.of(colon < 0 ? flag : flag.substring(0, colon));
        String target = colon < 0 ? local.getFileName().toString() : flag.substring(colon + 1);
        if (!target.startsWith("/")) {
            target = SandboxSpec.WORKSPACE + "/" + target;
        }
        if (!target.startsWith(SandboxSpec.WORKSPACE + "/")) {
            throw new InvalidInputException("--file", flag,
                    "LOCAL:PATH with PATH relative to /job or under /job (the job's workspace), e.g. data.csv:in/data.csv");
        }
        JobFile.checkPath("--file", target);
        return new JobFile(target, read("--file", local), Files.isExecutable(local) ? 0755 : 0644);
    }

    private static byte[] read(String field, Path local) {
        if (!Files.isRegularFile(local) || !Files.isReadable(local)) {
            throw new InvalidInputException(field, local.toString(),
                    "a readable local file; " + local.toAbsolutePath() + " does not exist or cannot be read");
        }
        try {
            if (Files.size(local) > MAX_FILE_BYTES) {
                throw new InvalidInputException(field, local.toString(),
                        "a file of at most " + (MAX_FILE_BYTES >> 20) + " MiB");
            }
            return Files.readAllBytes(local);
        } catch (IOException e) {
            throw new InvalidInputException(field, local.toString(), "a readable local file (" + e.getMessage() + ")");
        }
    }

    static int positiveInt(String field, String text) {
        try {
            int n = Integer.parseInt(text.strip());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below with the accepted form
        }
        throw new InvalidInputException(field, text, "a positive whole number, e.g. 256");
    }
}
