// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.agent.jobs.JobRunner;
import dev.hearth.agent.jobs.LogCapture;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.JobResult;
import dev.hearth.core.job.JobSpec;
import dev.hearth.core.units.DurationText;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxDriver;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.agent.host.HostRuntimes;
import dev.hearth.agent.host.HostSettings;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.sandbox.image.BaseImages;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth run}: one job in a locked-down sandbox, its output live, then its result with proofs. */
@Command(name = "run", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Runs a job to completion in a sandbox and prints its result with proof hashes.",
                "Defaults: no network, read-only root, non-root user, all capabilities dropped, "
                        + "512m memory, 1.5 CPUs, 256 processes, 300s timeout."},
        footer = {"", "Examples:", "  hearth run -- echo hello", "  hearth run --memory 1g --timeout 10m -- sh -c 'make test'",
                "  hearth run --script train.py --file data.csv:data.csv",
                "  hearth run --runtime qemu -- sh -c 'uname -r'", "",
                "Exit status: the job's own; 124 on timeout, 137 when killed for memory, 125 when it could not run, "
                        + "2 for bad input."})
@Prints(Prints.Kind.DATA)
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    HearthCommand parent;

    @Option(names = "--image", paramLabel = "IMAGE",
            description = "Image to run in (default: " + BaseImages.BUSYBOX + ", or " + BaseImages.PYTHON
                    + " with --script). Hearth's own images are built on first use.")
    String image;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "512m",
            description = "Memory limit, no swap (default: ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "1.5", description = "CPU limit (default: ${DEFAULT-VALUE}).")
    String cpus;

    @Option(names = "--pids", paramLabel = "N", defaultValue = "256",
            description = "Most processes and threads at once (default: ${DEFAULT-VALUE}).")
    String pids;

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "Wall-clock limit (default: HN_JOB_TIMEOUT seconds, else 300s).")
    String timeout;

    @Option(names = "--network", paramLabel = "MODE", defaultValue = "none",
            description = "none (default) or nat.")
    String network;

    @Option(names = "--allow", paramLabel = "HOST:PORT",
            description = "With --network nat: only TCP to this HOST:PORT, IP:PORT or CIDR:PORT leaves the sandbox, "
                    + "and DNS answers only allowed names (repeatable; Docker and microVM runtimes).")
    List<String> allow = new ArrayList<>();

    @Option(names = "--env", paramLabel = "NAME=VALUE", description = "Environment variable (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = "--secret", paramLabel = "NAME",
            description = "Pass the caller's environment variable NAME as a secret: never logged, never on a command line (repeatable).")
    List<String> secrets = new ArrayList<>();

    @Option(names = "--file", paramLabel = "LOCAL:PATH",
            description = "Deliver a local file into the sandbox; PATH relative to /job or absolute under /job (repeatable).")
    List<String> files = new ArrayList<>();

    @Option(names = "--script", paramLabel = "FILE", description = "Run a Python script (delivered to /job) in the Python image.")
    String script;

    @Option(names = "--requirements", paramLabel = "PACKAGES",
            description = "pip packages to install before --script (needs --network nat).")
    String requirements;

    @Option(names = "--runtime", paramLabel = "RUNTIME", defaultValue = "docker",
            description = "Sandbox kind: docker (default), qemu (a QEMU microVM) or firecracker.")
    String runtime;

    @Option(names = "--base-kernel", paramLabel = "FILE",
            description = "MicroVM runtimes: boot this kernel instead of Hearth's (hearth image build-vm).")
    Path baseKernel;

    @Option(names = "--base-rootfs", paramLabel = "FILE",
            description = "MicroVM runtimes: this ext4 root filesystem (with /sbin/hearth-init) instead of Hearth's.")
    Path baseRootfs;

    @Option(names = "--base-initrd", paramLabel = "FILE", description = "MicroVM runtimes: an initramfs to boot with.")
    Path baseInitrd;

    @Option(names = "--vcpus", paramLabel = "N",
            description = "MicroVM runtimes: virtual CPUs, 1..32 (default: --cpus rounded up; the guest enforces --cpus).")
    Integer vcpus;

    @Option(names = "--disk-size", paramLabel = "SIZE",
            description = "MicroVM runtimes: a private root disk of this size, at least the rootfs's (default: the shared read-only rootfs).")
    String diskSize;

    @Option(names = "--job-id", paramLabel = "ID", description = "Job id (default: a new UUID).")
    String jobId;

    @Option(names = "--max-log-size", paramLabel = "CHARS",
            description = "Characters of output kept in the result (default: HN_MAX_LOG_SIZE, else 10000).")
    String maxLogSize;

    @Option(names = "--json", description = "Print one JSON result document on stdout; live output goes to stderr.")
    boolean json;

    @Option(names = "--resident", paramLabel = "MODE", defaultValue = "auto",
            description = "auto (default: through a running 'hearth resident' and its warm pools when its socket "
                    + "answers, else cold), always, or never (or HEARTH_RESIDENT). Runs with --file or --script are cold.")
    String resident;

    @Option(names = {"-q", "--quiet"}, description = "Do not stream the job's output while it runs.")
    boolean quiet;

    @Parameters(paramLabel = "CMD", arity = "0..*", description = "Command and arguments, after --.")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        JobSpec job;
        int maxChars;
        HostSettings host;
        try {
            if (!List.of("auto", "always", "never").contains(resident)) { // chosen by Main before parsing
                throw new InvalidInputException("--resident", resident, "auto, always or never");
            }
            checkRuntimeFlags();
            job = new RunRequest(this, parent.environment()).toJobSpec();
            host = hostSettings(job);
            HostRuntimes.checkFits(host, job.limits());
            if (host.networking() != HostSettings.Networking.NONE) {
                HostRuntimes.checkNetwork(parent.environment());
            }
            maxChars = RunRequest.positiveInt("--max-log-size",
                    maxLogSize != null ? maxLogSize : parent.environment().getOrDefault("HN_MAX_LOG_SIZE",
                            Integer.toString(LogCapture.DEFAULT_MAX_CHARS)));
        } catch (InvalidInputException e) {
            err.println("hearth: " + e.getMessage());
            err.println("Try 'hearth run --help' for the accepted forms.");
            return ExitCodes.USAGE;
        }
        try (HostRuntimes runtimes = openHost(host, job, err)) {
            SandboxDriver driver = residentServes(job)
                    ? new SharedDriver(parent.residentPools().get()) // lent by the resident: its pools outlive this run
                    : runtimes.driver(runtime);
            Thread cleanup = new Thread(runtimes::close, "hearth-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            err.println("hearth: job " + job.id() + " in " + job.image() + " (" + runtime + "; network "
                    + job.network() + ", memory " + job.limits().memory() + ", cpus "
                    + job.limits().cpus() + ", pids " + job.limits().pids() + ", timeout "
                    + DurationText.format(job.timeout()) + ")");
            err.flush();
            LogSink live = quiet ? LogSink.discard() : new LiveOutput(json ? err : out, err);
            JobRunner runner = new JobRunner(driver, maxChars, JobRunner.DEFAULT_STOP_GRACE, InstantSource.system());
            JobResult result = runner.run(job, live);
            if (json) {
                out.println(ResultPrinter.json(result));
            } else {
                ResultPrinter.human(result, err);
            }
            out.flush();
            err.flush();
            removeHook(cleanup);
            return result.processExitCode();
        } catch (SandboxException e) {
            err.println("hearth: " + e.getMessage());
            return ExitCodes.ENGINE;
        } catch (InvalidInputException e) { // settings only the host can judge: a subnet overlapping a route
            err.println("hearth: " + e.getMessage());
            return ExitCodes.USAGE;
        }
    }

    /** Refuses microVM flags with --runtime docker and a runtime that is not one, naming the flag. */
    private void checkRuntimeFlags() {
        if (!HostSettings.NAMES.contains(runtime)) {
            throw new InvalidInputException("--runtime", runtime, "docker, qemu or firecracker");
        }
        boolean vmFlags = baseKernel != null || baseRootfs != null || baseInitrd != null || vcpus != null
                || diskSize != null;
        if (runtime.equals("docker") && vmFlags) {
            throw new InvalidInputException("--runtime", runtime,
                    "qemu or firecracker when --base-kernel, --base-rootfs, --base-initrd, --vcpus or --disk-size is given");
        }
    }

    /**
     * Whether this run's job is made through the resident's pools: it runs in a resident whose pools are of this
     * runtime, and, for microVMs, with the resident's VM settings (no --vcpus, --disk-size) and network none (the
     * resident's VMs have no host networking). Jobs the pools cannot pool are made cold there.
     */
    private boolean residentServes(JobSpec job) {
        boolean vmAsResident = runtime.equals("docker")
                || vcpus == null && diskSize == null && job.network().mode() == NetworkMode.NONE;
        return vmAsResident && parent.residentPools().filter(p -> p.name().equals(runtime)).isPresent();
    }

    /**
     * The host this run needs: the one runtime --runtime names, the guest image built on first use, and Hearth's
     * bridge and NAT (set up before the VM starts) only for a microVM job with network nat.
     */
    private HostSettings hostSettings(JobSpec job) {
        boolean vmNat = !runtime.equals("docker") && job.network().mode() == NetworkMode.NAT;
        return new HostSettings(List.of(runtime), parent.environment(), Optional.ofNullable(baseKernel),
                Optional.ofNullable(baseRootfs), Optional.ofNullable(baseInitrd), Optional.ofNullable(vcpus),
                Optional.ofNullable(diskSize), vmNat ? HostSettings.Networking.NOW : HostSettings.Networking.NONE,
                true);
    }

    /**
     * This run's host runtimes (in a resident, for Docker or the runtime its pools serve, a lent view of the
     * resident's), with the job's image made
     * first when it is one of Hearth's own.
     */
    private HostRuntimes openHost(HostSettings settings, JobSpec job, PrintWriter err)
            throws SandboxException, InterruptedException {
        ConsoleProgress progress = new ConsoleProgress(err, false);
        HostRuntimes host = residentServes(job) ? parent.residentHost().orElseThrow()
                : runtime.equals("docker") ? parent.host() : HostRuntimes.open(settings, progress);
        try {
            if (runtime.equals("docker")) {
                host.images().ensureBuiltIn(job.image(), progress);
            }
            return host;
        } catch (SandboxException | RuntimeException | InterruptedException e) {
            host.close();
            throw e;
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is already exiting and the hook will run: nothing to undo
        }
    }
}
