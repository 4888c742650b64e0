// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.sandbox.vm.VmNetwork;
import dev.hearth.sandbox.vm.VmNic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees what microVMs left behind when the process that ran them died without closing them (SIGKILL, a crash):
 * their VMM process, their TAP and address, their run folder. The microVM counterpart of the Docker driver's
 * orphan reaper, run by {@link MicroVmDriver#reapOrphans()}.
 *
 * <p>A run folder is an orphan when its {@link OwnerRecord} names a process that is gone (pid and start time, so a
 * reused pid is not taken for the owner), or when it has no record, is older than {@link #UNRECORDED_GRACE} (a
 * driver writes the record milliseconds after making the folder) and no VMM runs for it (a driver records the
 * owner before it starts the VMM, so such a VMM is someone else's, say an older Hearth's, and is never killed). The VMM processes of an orphan are found by
 * their command line: QEMU's names the QMP socket and drives in the run folder, Firecracker's its API socket there.
 * <b>Why a scan of {@code /proc} rather than a pid file</b>: a pid file is written only after the VMM started, so a
 * SIGKILL in between would leave an unrecorded VMM, and a recorded pid must be checked against the command line
 * anyway (the pid may have been reused); the scan finds exactly the processes whose arguments name both the folder
 * and the VM's id ({@link #isVmmOf}), whatever their pid. A folder whose VM held a NIC is left alone when this driver
 * has no host networking to free it with (a driver that has will reap it). Thread-safe; concurrent reapers in
 * several processes may both act on one orphan, which is harmless (kill, detach and delete are idempotent).
 */
final class OrphanReaper {

    /** How old a run folder without an owner record must be before it is taken for an orphan. */
    static final Duration UNRECORDED_GRACE = Duration.ofMinutes(1);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(OrphanReaper.class);

    private final Path runRoot;
    private final Optional<VmNetwork> network;
    private final InstantSource clock;

    OrphanReaper(Path runRoot, Optional<VmNetwork> network, InstantSource clock) {
        this.runRoot = runRoot.toAbsolutePath();
        this.network = network;
        this.clock = clock;
    }

    /** Reaps every orphaned run folder under the run root; returns how many. Never throws: failures are logged. */
    int reap() throws InterruptedException {
        if (!Files.isDirectory(runRoot)) {
            return 0;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(runRoot)) {
            dirs = s.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            log.warn("cannot list microVM run folders in {} to find orphans: {}", runRoot, e.getMessage());
            return 0;
        }
        int reaped = 0;
        for (Path dir : dirs) {
            if (reapOne(dir)) {
                reaped++;
            }
        }
        return reaped;
    }

    private boolean reapOne(Path dir) throws InterruptedException {
        Optional<OwnerRecord> record;
        try {
            record = OwnerRecord.read(dir);
            if (record.isEmpty() && Files.getLastModifiedTime(dir).toInstant()
                    .isAfter(clock.instant().minus(UNRECORDED_GRACE))) {
                return false; // being made right now
            }
        } catch (IOException e) {
            log.warn("cannot read the owner of microVM run folder {}; left alone: {}", dir, e.getMessage());
            return false;
        }
        if (record.isPresent() && record.get().owner().alive()) {
            return false;
        }
        Optional<VmNic> nic = record.flatMap(OwnerRecord::nic);
        if (nic.isEmpty() && network.isPresent()) {
            // the owner may have died between attaching the NIC and recording it
            nic = network.get().attachedTo(dir.getFileName().toString());
        }
        if (nic.isPresent() && network.isEmpty()) {
            log.warn("orphaned microVM {} holds TAP {} but this driver has no host networking to free it; left for "
                    + "a driver that has", dir, nic.get().tapName());
            return false;
        }
        List<ProcessHandle> vmms = vmmsOf(dir);
        if (record.isEmpty() && !vmms.isEmpty()) {
            // A driver records its owner before it starts a VMM, so a running VMM without a record was started by
            // something else (an older Hearth): nobody can say whether its owner lives, so it is not killed.
            log.warn("microVM run folder {} has no owner record but its VMM runs ({}); left alone", dir,
                    vmms.stream().map(ProcessHandle::pid).toList());
            return false;
        }
        log.info("reaping orphaned microVM {} ({})", dir, record.map(r -> "owner pid " + r.owner().pid() + " is gone")
                .orElse("no owner recorded after " + UNRECORDED_GRACE.toSeconds() + " s"));
        vmms.forEach(ProcessHandle::destroyForcibly);
        awaitGone(dir, vmms);
        nic.ifPresent(n -> {
            if (network.orElseThrow() instanceof dev.hearth.sandbox.net.HostNetwork host) {
                dev.hearth.sandbox.net.GuestFence.removeLeftover(host, n); // a dead owner's allowlist, if it had one
            }
            network.orElseThrow().detach(n);
        });
        MicroVmSandbox.removeRunDir(dir);
        return true;
    }

    /**
     * The VMM processes of the VM whose run folder is {@code dir}: an argument names a file in the folder and the
     * VM's id is given as QEMU's {@code -name hearth-ID} or Firecracker's {@code --id ID}. Both must hold, so a
     * process that merely mentions the folder (a shell listing it) is never taken for the VMM.
     */
    static List<ProcessHandle> vmmsOf(Path dir) {
        String prefix = dir.toAbsolutePath() + "/";
        String id = dir.getFileName().toString();
        List<ProcessHandle> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                if (isVmmOf(argv(p), prefix, id)) {
                    ProcessHandle.of(Long.parseLong(p.getFileName().toString())).ifPresent(found::add);
                }
            }
        } catch (IOException e) {
            log.warn("cannot list processes to find the VMM of {}: {}", dir, e.getMessage());
        }
        return found;
    }

    static boolean isVmmOf(List<String> argv, String folderPrefix, String id) {
        boolean namesFolder = argv.stream().anyMatch(a -> a.contains(folderPrefix));
        boolean namesVm = false;
        for (int i = 0; i + 1 < argv.size(); i++) {
            namesVm |= argv.get(i).equals("-name") && argv.get(i + 1).equals("hearth-" + id)
                    || argv.get(i).equals("--id") && argv.get(i + 1).equals(id);
        }
        return namesFolder && namesVm;
    }

    /** The arguments of process {@code proc} ({@code /proc/PID}); none when it is gone or a zombie. */
    private static List<String> argv(Path proc) {
        try {
            String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
            return cmdline.isEmpty() ? List.of() : List.of(cmdline.split("\0"));
        } catch (IOException gone) {
            return List.of();
        }
    }

    /** Waits until no process names {@code dir} any more (a killed orphan is reaped by init, not by us). */
    private static void awaitGone(Path dir, List<ProcessHandle> killed) throws InterruptedException {
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        while (!vmmsOf(dir).isEmpty()) {
            if (System.nanoTime() > deadline) {
                log.error("the VMM of orphaned microVM {} ({}) did not end within {} of SIGKILL", dir,
                        killed.stream().map(ProcessHandle::pid).toList(), KILL_WAIT);
                return;
            }
            Thread.sleep(50);
        }
    }
}
