// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.units.ByteSize;
import dev.hearth.core.units.CpuQuota;
import dev.hearth.core.units.Credits;
import dev.hearth.core.units.DurationText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A job as a user submits it to the coordinator (JSON or YAML): what {@code hearth run} takes as flags, plus
 * scheduling fields. {@link #toSubmission(String)} validates every field and names the one at fault with its path
 * in the document ({@code memory}, {@code files[2].path}, ...).
 *
 * @param image image reference (default {@code hearth/busybox:latest}, or {@code hearth/python:3.11} with a script)
 * @param command argv; required unless {@code script} is given
 * @param script Python source, run as /job/script.py
 * @param requirements pip packages for the script (need {@code network: nat})
 * @param files files to deliver: {@code path} under /job and one of {@code text}, {@code base64} or {@code blob}
 * @param env environment variables
 * @param secrets secret environment variables
 * @param memory memory limit ({@code 512m})
 * @param cpus CPUs ({@code 1.5})
 * @param pids process limit
 * @param network {@code "none"}, {@code "nat"} or {@code {"mode": "nat", "allow": ["HOST:PORT", ...]}}
 * @param timeout wall-clock limit ({@code 300s})
 * @param gpus GPUs wanted, and the least free memory each must have
 * @param estimatedTime expected run time ({@code 5m}), for timing checks
 * @param retries how many times the job may be placed again after its node is lost (default 2)
 * @param priority higher runs first (default 0)
 * @param price what the submitter pays when the job's result passes verification, in credits ({@code "2.5"});
 *     absent: the coordinator's rate card prices it from its reservation
 * @param account the submitter's ledger account the price is held from (default {@code default}, i.e.
 *     {@code client:default})
 * @param redundancy k-of-n execution on distinct nodes ({@code {"n": 3, "k": 2}}; k defaults to the smallest
 *     majority of n); see {@link Redundancy}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record JobDocument(
        String image,
        List<String> command,
        String script,
        String requirements,
        List<FileEntry> files,
        Map<String, String> env,
        Map<String, String> secrets,
        String memory,
        String cpus,
        Long pids,
        Object network,
        String timeout,
        Gpus gpus,
        String estimatedTime,
        Integer retries,
        Integer priority,
        String price,
        String account,
        RedundancyEntry redundancy) {

    /** The account a document names when it names none. */
    public static final String DEFAULT_ACCOUNT = "default";
    /** What a submitter account's name may be. */
    public static final String ACCOUNT_FORM = "a name of 1 to 63 characters: lower-case letters, digits, '.', '_' "
            + "or '-', starting with a letter or digit";

    /**
     * A file in a job document.
     *
     * @param path absolute under /job, or relative to /job
     * @param text UTF-8 content
     * @param base64 binary content
     * @param mode permission bits (default 0644)
     * @param blob the digest of a blob the submitter uploaded ({@code PUT /v1/blobs/{digest}}): content larger
     *     than a frame, fetched by the node
     */
    public record FileEntry(String path, String text, String base64, Integer mode, String blob) {

        /** An entry with its content inline. */
        public FileEntry(String path, String text, String base64, Integer mode) {
            this(path, text, base64, mode, null);
        }
    }

    /** Finds the size of a blob the submitter may use; empty when it has none by that digest. */
    @FunctionalInterface
    public interface BlobSizes {

        /** No blobs: a document naming one is refused. */
        BlobSizes NONE = digest -> java.util.OptionalLong.empty();

        /** The size of the submitter's blob {@code digest}, or empty when it has none. */
        java.util.OptionalLong size(String digest);
    }

    /**
     * Redundant execution as a document asks for it; see {@link Redundancy}.
     *
     * @param n how many copies
     * @param k how many must agree (default: the smallest majority of n)
     */
    public record RedundancyEntry(Integer n, Integer k) {
    }

    /**
     * GPUs a job wants.
     *
     * @param count how many
     * @param minVramMib the least free memory each must have, in MiB
     */
    public record Gpus(int count, Long minVramMib) {
    }

    /**
     * A validated submission: the job spec and the scheduler's fields.
     *
     * @param spec the job
     * @param estimatedSeconds expected run time, for timing checks
     * @param retries placements allowed after the first
     * @param priority higher first
     * @param priceMicros the price the document names, in micro-credits; {@code null} to price by the rate card
     * @param account the submitter account's name (without the {@code client:} prefix)
     * @param redundancy how many copies run on distinct nodes and how many must agree ({@link Redundancy#NONE})
     */
    public record Submission(JobSpec spec, long estimatedSeconds, int retries, int priority, Long priceMicros,
            String account, Redundancy redundancy) {
    }

    /** Validates the document into a job with the given id; a file naming a blob is refused. */
    public Submission toSubmission(String id) {
        return toSubmission(id, BlobSizes.NONE);
    }

    /**
     * Validates the document into a job with the given id; a file's {@code blob} must be one {@code blobs} knows.
     */
    public Submission toSubmission(String id, BlobSizes blobs) {
        boolean hasScript = script != null && !script.isBlank();
        String img = image != null ? ImageReference.check("image", image)
                : hasScript ? "hearth/python:3.11" : "hearth/busybox:latest";
        Limits limits = new Limits(
                memory == null ? Limits.JOB_DEFAULTS.memory() : ByteSize.parse("memory", memory),
                cpus == null ? Limits.JOB_DEFAULTS.cpus() : CpuQuota.parse("cpus", cpus),
                pids == null ? Limits.JOB_DEFAULTS.pids() : positive("pids", pids));
        NetworkPolicy net = NetworkPolicy.fromJson("network", network);
        List<String> argv = new ArrayList<>(command == null ? List.of() : command);
        for (int i = 0; i < argv.size(); i++) {
            if (argv.get(i) == null) {
                throw new InvalidInputException("command[" + i + "]", null, "a string (an argument may be empty)");
            }
        }
        List<JobFile> delivered = new ArrayList<>();
        if (hasScript) {
            delivered.add(new JobFile("/job/script.py", script.getBytes(StandardCharsets.UTF_8), 0644));
            argv = PythonScript.command("requirements", requirements, net.mode(), "/job/script.py", argv, delivered);
        } else if (requirements != null) {
            throw new InvalidInputException("requirements", requirements, "used only with script");
        }
        for (int i = 0; files != null && i < files.size(); i++) {
            delivered.add(file("files[" + i + "]", files.get(i), blobs));
        }
        JobSpec.Builder b = JobSpec.builder(id, img, argv).limits(limits).network(net)
                .timeout(timeout == null ? JobSpec.DEFAULT_TIMEOUT : DurationText.parsePositive("timeout", timeout));
        delivered.forEach(b::file);
        if (env != null) {
            env.forEach((k, v) -> b.env(k, present("env." + k, v)));
        }
        if (secrets != null) {
            secrets.forEach((k, v) -> b.secret(k, SecretValue.of(present("secrets." + k, v))));
        }
        if (gpus != null && gpus.count() > 0) {
            b.gpus(new GpuRequest(gpus.count(), List.of(), gpus.minVramMib() == null ? 0 : gpus.minVramMib()));
        } else if (gpus != null && gpus.count() < 0) {
            throw new InvalidInputException("gpus.count", String.valueOf(gpus.count()), "0 or more");
        }
        long estimate = estimatedTime == null ? 3600 : DurationText.parsePositive("estimatedTime", estimatedTime).toSeconds();
        int retry = retries == null ? 2 : retries;
        if (retry < 0 || retry > 100) {
            throw new InvalidInputException("retries", String.valueOf(retries), "a whole number from 0 to 100");
        }
        Redundancy copies = copies();
        Long priceMicros = price == null ? null : Credits.parse("price", price);
        String payer = account == null ? DEFAULT_ACCOUNT : account;
        if (!payer.matches("[a-z0-9][a-z0-9._-]{0,62}")) {
            throw new InvalidInputException("account", account, ACCOUNT_FORM);
        }
        return new Submission(b.build(), estimate, retry, priority == null ? 0 : priority, priceMicros, payer, copies);
    }

    private Redundancy copies() {
        if (redundancy == null) {
            return Redundancy.NONE;
        }
        if (redundancy.n() == null) {
            throw new InvalidInputException("redundancy.n", null, "a whole number of copies from 1 to "
                    + Redundancy.MAX_COPIES);
        }
        int n = redundancy.n();
        return new Redundancy(n, redundancy.k() == null ? n / 2 + 1 : redundancy.k());
    }

    private static JobFile file(String field, FileEntry f, BlobSizes blobs) {
        if (f == null || f.path() == null) {
            throw new InvalidInputException(field + ".path", null, "a path under /job");
        }
        String path = f.path().startsWith("/") ? f.path() : "/job/" + f.path();
        if (!path.startsWith("/job/")) {
            throw new InvalidInputException(field + ".path", f.path(), "a path under /job (the job's workspace)");
        }
        JobFile.checkPath(field + ".path", path);
        int given = (f.text() == null ? 0 : 1) + (f.base64() == null ? 0 : 1) + (f.blob() == null ? 0 : 1);
        if (given != 1) {
            throw new InvalidInputException(field, f.path(), "exactly one of text, base64 or blob for the content");
        }
        int mode = mode(field, f);
        if (f.blob() != null) {
            BlobRef.checkDigest(field + ".blob", f.blob());
            long size = blobs.size(f.blob()).orElseThrow(() -> new InvalidInputException(field + ".blob", f.blob(),
                    "the digest of a blob you uploaded (PUT /v1/blobs/{digest}, HEAD to check); upload it first"));
            return JobFile.ofBlob(path, new BlobRef(f.blob(), size), mode);
        }
        byte[] content;
        try {
            content = f.text() != null ? f.text().getBytes(StandardCharsets.UTF_8) : Base64.getDecoder().decode(f.base64());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field + ".base64", f.path(), "standard base64 (RFC 4648)");
        }
        return new JobFile(path, content, mode);
    }

    private static int mode(String field, FileEntry f) {
        int mode = f.mode() == null ? 0644 : f.mode();
        if (mode < 0 || mode > 07777) {
            throw new InvalidInputException(field + ".mode", String.valueOf(mode),
                    "permission bits from 0 to 4095 (07777), written in decimal in JSON: 420 for 0644, 493 for 0755");
        }
        return mode;
    }

    // A JSON null value would otherwise surface later as a NullPointerException, far from the field at fault.
    private static String present(String field, String value) {
        if (value == null) {
            throw new InvalidInputException(field, null, "a string value (use \"\" for an empty one)");
        }
        return value;
    }

    private static long positive(String field, long value) {
        if (value <= 0) {
            throw new InvalidInputException(field, String.valueOf(value), "a positive whole number, e.g. 256");
        }
        return value;
    }
}
