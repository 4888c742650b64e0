// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.client.HearthClient;
import dev.hearth.client.Job;
import dev.hearth.client.JobDocument;
import dev.hearth.client.JobInfo;
import dev.hearth.client.Jobs;
import dev.hearth.client.Page;
import dev.hearth.client.SubmitOptions;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth job}: submit jobs to a coordinator and follow them. */
@Command(name = "job", mixinStandardHelpOptions = true, description = "Submits and follows jobs on a coordinator.",
        subcommands = {JobCommand.Submit.class, JobCommand.Status.class, JobCommand.Logs.class,
                JobCommand.Cancel.class, JobCommand.ListJobs.class, JobCommand.ReceiptOf.class, JobOutputs.class})
final class JobCommand {

    @ParentCommand
    HearthCommand parent;

    @Option(names = "--coordinator", scope = picocli.CommandLine.ScopeType.INHERIT, paramLabel = "URL",
            description = "Coordinator address (default: HEARTH_COORDINATOR, else " + CoordinatorClient.DEFAULT_URL + ").")
    String coordinator;

    /** The jobs API of the coordinator (the CLI talks to /v1/jobs only through hearth-client); the caller closes it. */
    HearthClient client() throws java.io.IOException {
        return CoordinatorTarget.hearth(coordinator, parent.environment());
    }

    /** {@code hearth job submit}. */
    @Command(name = "submit", mixinStandardHelpOptions = true,
            description = "Submits a job from a JSON or YAML file, or from flags and a command; prints its id.")
    @Prints(Prints.Kind.DATA)
    static final class Submit implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        JobCommand job;
        @Option(names = "--file-spec", paramLabel = "FILE", description = "A job document (JSON or YAML).")
        Path document;
        @Option(names = "--image", paramLabel = "IMAGE",
                description = "The image to run in (default hearth/busybox:latest).") String image;
        @Option(names = "--memory", paramLabel = "SIZE", description = "Memory limit, e.g. 512m or 2g.") String memory;
        @Option(names = "--cpus", paramLabel = "N", description = "CPUs, e.g. 0.5 or 2.") String cpus;
        @Option(names = "--pids", paramLabel = "N", description = "Process limit.") Long pids;
        @Option(names = "--timeout", paramLabel = "DURATION", description = "Wall-clock limit, e.g. 90s or 10m.") String timeout;
        @Option(names = "--network", paramLabel = "MODE", description = "none (default) or nat.") String network;
        @Option(names = "--env", paramLabel = "NAME=VALUE", description = "An environment variable (repeatable).") List<String> env = new ArrayList<>();
        @Option(names = "--file", paramLabel = "LOCAL:PATH",
                description = "A local file delivered at PATH under /job, inline in the document (repeatable).")
        List<String> files = new ArrayList<>();
        @Option(names = "--input", paramLabel = "LOCAL[:PATH]",
                description = "A local file or folder uploaded once (any size up to the coordinator's --blob-max-size) "
                        + "and delivered at PATH under /job; a folder delivers every file under it (repeatable).")
        List<String> inputs = new ArrayList<>();
        @Option(names = "--priority", paramLabel = "N", description = "Higher is placed first (default 0).") Integer priority;
        @Option(names = "--retries", paramLabel = "N", description = "Tries after a lost lease (default 2).") Integer retries;
        @Option(names = "--gpus", paramLabel = "N", description = "GPUs the job needs.") Integer gpus;
        @Option(names = "--price", paramLabel = "CREDITS",
                description = "What you pay when the result passes (default: the coordinator's rate card).")
        String price;
        @Option(names = "--account", paramLabel = "NAME",
                description = "Your ledger account, client:NAME, the price is held from (default: default).")
        String account;
        @Option(names = "--idempotency-key", paramLabel = "KEY",
                description = "Sent as the Idempotency-Key header: submitting again with the same KEY and the same job "
                        + "answers the first job instead of making (and paying for) another; 1 to 255 letters, digits "
                        + "and - _ . : (a UUID fits).")
        String idempotencyKey;
        @Option(names = "--wait", description = "Follow the job to its end with live logs, print its result, exit with its status.")
        boolean await;
        @Parameters(paramLabel = "CMD", arity = "0..*", description = "The command and its arguments.") List<String> command = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            if (await && json.on()) {
                throw new InvalidInputException("--json", "with --wait", "--json without --wait (it prints the "
                        + "submitted job's document); after --wait, 'hearth job status ID --json' prints the result");
            }
            JobDocument doc;
            if (document == null && command.size() == 1 && command.get(0).matches(".*\\.(json|ya?ml)$")
                    && Files.isRegularFile(Path.of(command.get(0)))) {
                document = Path.of(command.get(0)); // hearth job submit job.yaml
            }
            if (document != null) {
                if (!Files.isReadable(document)) {
                    throw new InvalidInputException("--file-spec", document.toString(), "a readable JSON or YAML job file");
                }
                String body = Files.readString(document);
                String name = document.getFileName().toString();
                doc = name.endsWith(".yaml") || name.endsWith(".yml") ? JobDocument.yaml(body) : JobDocument.json(body);
            } else {
                doc = JobDocument.json(Json.mapper().writeValueAsString(fromFlags()));
            }
            List<JobInputs.Input> uploads = JobInputs.expand(inputs);
            SubmitOptions options = SubmitOptions.defaults();
            if (idempotencyKey != null) {
                if (!SubmitOptions.KEY_FORM.matcher(idempotencyKey).matches()) {
                    throw new InvalidInputException("--idempotency-key", idempotencyKey,
                            "1 to 255 letters, digits and - _ . : (a UUID fits)");
                }
                options = options.withIdempotencyKey(idempotencyKey);
            }
            PrintWriter out = spec.commandLine().getOut();
            try (HearthClient client = job.client()) {
                if (!uploads.isEmpty()) {
                    // files and folders as blobs, named in the document's files[] (a YAML document becomes JSON)
                    ObjectNode tree = (ObjectNode) new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                            .readTree(doc.body());
                    ArrayNode listed = tree.has("files") ? (ArrayNode) tree.get("files") : tree.putArray("files");
                    new JobInputs(client, spec.commandLine().getErr()).upload(uploads, listed);
                    doc = JobDocument.json(Json.mapper().writeValueAsString(tree));
                }
                Job made = client.jobs().submit(doc, options);
                String id = made.id();
                if (json.on()) {
                    JsonOutput.print(out, made.submitted().orElseThrow().json());
                    return 0;
                }
                if (!await) {
                    out.println(id);
                    return 0;
                }
                spec.commandLine().getErr().println("hearth: submitted job " + id + "; waiting for it to finish");
                return Follow.untilFinal(made, out, spec.commandLine().getErr());
            }
        }

        private ObjectNode fromFlags() throws java.io.IOException {
            ObjectNode doc = Json.mapper().createObjectNode();
            if (command.isEmpty()) {
                throw new InvalidInputException("command", null, "a command after --, or --file-spec FILE");
            }
            doc.putPOJO("command", command);
            putIf(doc, "image", image);
            putIf(doc, "memory", memory);
            putIf(doc, "cpus", cpus);
            putIf(doc, "timeout", timeout);
            putIf(doc, "network", network);
            if (pids != null) {
                doc.put("pids", pids);
            }
            if (priority != null) {
                doc.put("priority", priority);
            }
            if (retries != null) {
                doc.put("retries", retries);
            }
            if (gpus != null) {
                doc.putObject("gpus").put("count", gpus);
            }
            putIf(doc, "price", price);
            putIf(doc, "account", account);
            ObjectNode envNode = doc.putObject("env");
            for (String e : env) {
                int eq = e.indexOf('=');
                if (eq <= 0) {
                    throw new InvalidInputException("--env", e, "NAME=VALUE");
                }
                envNode.put(e.substring(0, eq), e.substring(eq + 1));
            }
            var fileArray = doc.putArray("files");
            for (String f : files) {
                int colon = f.lastIndexOf(':');
                Path local = Path.of(colon < 0 ? f : f.substring(0, colon));
                if (!Files.isRegularFile(local)) {
                    throw new InvalidInputException("--file", local.toString(), "LOCAL:PATH where LOCAL is a readable file");
                }
                fileArray.addObject().put("path", colon < 0 ? local.getFileName().toString() : f.substring(colon + 1))
                        .put("base64", Base64.getEncoder().encodeToString(Files.readAllBytes(local)));
            }
            return doc;
        }

        private static void putIf(ObjectNode doc, String field, String value) {
            if (value != null) {
                doc.put(field, value);
            }
        }
    }

    /** {@code hearth job status ID}. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Shows a job's state, node, result, proofs, and the oracle's verdict with each check.")
    @Prints(Prints.Kind.DATA)
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        JobCommand job;
        @Parameters(paramLabel = "ID", description = "The job's id.") String id;

        @Override
        public Integer call() throws Exception {
            JsonNode j;
            try (HearthClient client = job.client()) {
                j = client.jobs().job(id).status().json();
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json.on()) {
                JsonOutput.print(out, j);
            } else {
                Follow.printStatus(j, out);
            }
            return 0;
        }
    }

    /** {@code hearth job logs ID}. */
    @Command(name = "logs", mixinStandardHelpOptions = true,
            description = "Prints a job's logs: a finished job's, or a running job's output so far.")
    @Prints(Prints.Kind.STREAM)
    static final class Logs implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        JobCommand job;
        @Parameters(paramLabel = "ID", description = "The job's id.") String id;
        @Option(names = {"-f", "--follow"},
                description = "Keep printing the job's output as it streams, until the job ends (reconnecting "
                        + "from where it was after the coordinator's follow deadline or a dropped connection).")
        boolean follow;

        @Override
        public Integer call() throws Exception {
            try (HearthClient client = job.client()) {
                if (follow) {
                    return Follow.logs(client.jobs().job(id), spec.commandLine().getOut());
                }
                spec.commandLine().getOut().print(client.jobs().job(id).logs(0).text());
                spec.commandLine().getOut().flush();
                return 0;
            }
        }
    }

    /** {@code hearth job receipt ID [-o FILE]}. */
    @Command(name = "receipt", mixinStandardHelpOptions = true,
            description = "Downloads a job's signed receipt, for 'hearth verify'.")
    @Prints(Prints.Kind.STREAM)
    static final class ReceiptOf implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        JobCommand job;
        @Parameters(paramLabel = "ID", description = "The job's id.") String id;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write it to FILE (default: print it).")
        Path output;

        @Override
        public Integer call() throws Exception {
            String document;
            try (HearthClient client = job.client()) {
                // as served, for 'hearth verify' to check: the CLI verifies it there, not here
                document = client.jobs().job(id).unverifiedReceipt().json() + "\n";
            }
            if (output == null) {
                spec.commandLine().getOut().print(document);
                spec.commandLine().getOut().flush();
            } else {
                Files.writeString(output, document);
                spec.commandLine().getErr().println("hearth: receipt of job " + id + " written to " + output);
            }
            return 0;
        }
    }

    /** {@code hearth job cancel ID}. */
    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancels a job.")
    @Prints(Prints.Kind.MESSAGE)
    static final class Cancel implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        JobCommand job;
        @Parameters(paramLabel = "ID", description = "The job's id.") String id;

        @Override
        public Integer call() throws Exception {
            try (HearthClient client = job.client()) {
                spec.commandLine().getOut().println(id + " " + client.jobs().job(id).cancel().state());
            }
            return 0;
        }
    }

    /** {@code hearth job list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists jobs, newest first.")
    @Prints(Prints.Kind.DATA)
    static final class ListJobs implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        JsonOutput json;
        @ParentCommand
        JobCommand job;
        @Option(names = "--state", paramLabel = "STATE",
                description = "queued, leased, running, verifying, completed, failed, cancelled, unplaceable")
        String state;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
                description = "list at most N jobs (default ${DEFAULT-VALUE}); the pages are followed")
        int limit;
        @Option(names = "--page-size", paramLabel = "N", defaultValue = "500", hidden = true,
                description = "jobs asked for per request, 1 to 500 (tests)")
        int pageSize;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            // every page first: a refused call prints nothing on stdout, and --json is one document
            com.fasterxml.jackson.databind.node.ArrayNode all = Json.mapper().createArrayNode();
            try (HearthClient client = job.client()) {
                String cursor = null;
                do {
                    int page = Math.min(Math.clamp(pageSize, 1, Jobs.MAX_PAGE), limit - all.size());
                    Page<JobInfo> jobs = client.jobs().list(state, page, cursor);
                    jobs.items().forEach(j -> all.add(j.json()));
                    cursor = jobs.next().orElse(null);
                } while (cursor != null && all.size() < limit);
            }
            if (json.on()) {
                JsonOutput.print(out, Json.mapper().createObjectNode().set("jobs", all));
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            for (JsonNode j : all) {
                rows.add(new String[] {j.path("id").asText(), j.path("state").asText(), j.path("nodeId").asText("-"),
                    j.path("reason").asText("")});
            }
            Table.of(rows, Table.Column.keep("JOB"), Table.Column.keep("STATE"), Table.Column.keep("NODE"),
                    Table.Column.free("REASON")).print(out, job.parent.environment());
            return 0;
        }
    }
}
