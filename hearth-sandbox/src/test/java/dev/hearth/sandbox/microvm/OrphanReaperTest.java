// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.OwnerProcess;
import dev.hearth.sandbox.vm.VmNetwork;
import dev.hearth.sandbox.vm.VmNic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OrphanReaper} on hand-made run folders, with real processes standing in for VMMs (a shell whose command
 * line carries QEMU's {@code -name hearth-ID} and a path in the run folder). The reaping of a real VM whose owner
 * was SIGKILLed is {@link MicroVmOrphanE2eTest}.
 */
@DisplayName("The microVM orphan reaper")
class OrphanReaperTest {

    private static final VmNic NIC = new VmNic("t5vm", "06:fc:00:10:00:05", "172.16.0.5", 24, "172.16.0.1");

    @TempDir
    Path root;

    private final List<Process> started = new ArrayList<>();
    private final List<VmNic> detached = new ArrayList<>();
    private final VmNetwork network = new VmNetwork() {
        @Override
        public VmNic attach(String vmId) {
            throw new UnsupportedOperationException("the reaper never attaches");
        }

        @Override
        public void detach(VmNic nic) {
            detached.add(nic);
        }

        @Override
        public Optional<VmNic> attachedTo(String vmId) {
            return vmId.equals("unrecorded-nic") ? Optional.of(NIC) : Optional.empty();
        }
    };

    @AfterEach
    void stopProcesses() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    @DisplayName("a VM of a dead owner is reaped: its VMM killed, its NIC detached, its folder removed")
    void deadOwner() throws Exception {
        Path vm = runDir("dead", new OwnerRecord(goneProcess(), Optional.of(NIC)));
        Process vmm = fakeVmm(vm);
        Process bystander = spawn("sh", "-c", "while :; do sleep 1; done", "ls", vm + "/qmp.sock");

        assertThat(reaper(Optional.of(network), Instant.now()).reap()).isEqualTo(1);

        assertThat(vmm.waitFor(10, TimeUnit.SECONDS)).as("the VMM was killed").isTrue();
        assertThat(bystander.isAlive()).as("a process that only names the folder is not a VMM").isTrue();
        assertThat(detached).containsExactly(NIC);
        assertThat(Files.exists(vm)).isFalse();
    }

    @Test
    @DisplayName("a VM of a live owner, this process, is left alone")
    void liveOwner() throws Exception {
        Path vm = runDir("live", new OwnerRecord(OwnerProcess.current(), Optional.of(NIC)));
        Process vmm = fakeVmm(vm);

        assertThat(reaper(Optional.of(network), Instant.now()).reap()).isZero();

        assertThat(vmm.isAlive()).isTrue();
        assertThat(detached).isEmpty();
        assertThat(Files.exists(vm.resolve(OwnerRecord.FILE))).isTrue();
    }

    @Test
    @DisplayName("a live process with the owner's pid but another start time is not the owner: its VM is reaped")
    void reusedPid() throws Exception {
        long self = ProcessHandle.current().pid();
        Path vm = runDir("reused", new OwnerRecord(new OwnerProcess(self, "2001-01-01T00:00:00Z"), Optional.empty()));

        assertThat(reaper(Optional.empty(), Instant.now()).reap()).isEqualTo(1);
        assertThat(Files.exists(vm)).isFalse();
    }

    @Test
    @DisplayName("a folder without an owner record is left while it may still be being made, and reaped later")
    void unrecorded() throws Exception {
        Path vm = Files.createDirectories(root.resolve("fresh"));

        assertThat(reaper(Optional.empty(), Instant.now()).reap()).isZero();
        assertThat(Files.exists(vm)).isTrue();

        Instant later = Instant.now().plus(OrphanReaper.UNRECORDED_GRACE).plusSeconds(1);
        assertThat(reaper(Optional.empty(), later).reap()).isEqualTo(1);
        assertThat(Files.exists(vm)).isFalse();
    }

    @Test
    @DisplayName("a folder without an owner record whose VMM runs is never reaped: that VMM is not a driver's of today")
    void unrecordedWithVmm() throws Exception {
        Path vm = Files.createDirectories(root.resolve("older"));
        Process vmm = fakeVmm(vm);

        Instant later = Instant.now().plus(OrphanReaper.UNRECORDED_GRACE).plusSeconds(1);
        assertThat(reaper(Optional.empty(), later).reap()).isZero();
        assertThat(vmm.isAlive()).isTrue();
        assertThat(Files.exists(vm)).isTrue();
    }

    @Test
    @DisplayName("a dead owner's VM with a NIC is left for a driver with host networking when this one has none")
    void nicWithoutNetwork() throws Exception {
        Path vm = runDir("nic", new OwnerRecord(goneProcess(), Optional.of(NIC)));

        assertThat(reaper(Optional.empty(), Instant.now()).reap()).isZero();
        assertThat(Files.exists(vm)).isTrue();
    }

    @Test
    @DisplayName("a NIC attached but not yet recorded when the owner died is found in the network's ledger")
    void nicNotYetRecorded() throws Exception {
        Path vm = runDir("unrecorded-nic", new OwnerRecord(goneProcess(), Optional.empty()));

        assertThat(reaper(Optional.of(network), Instant.now()).reap()).isEqualTo(1);
        assertThat(detached).containsExactly(NIC);
        assertThat(Files.exists(vm)).isFalse();
    }

    @Test
    @DisplayName("an owner record survives a round trip through its file, NIC included")
    void recordRoundTrip() throws Exception {
        OwnerRecord record = new OwnerRecord(OwnerProcess.current(), Optional.of(NIC));
        Path vm = runDir("trip", record);
        assertThat(OwnerRecord.read(vm)).contains(record);
        assertThat(Files.getPosixFilePermissions(vm.resolve(OwnerRecord.FILE)).toString()).isEqualTo(
                "[OWNER_READ, OWNER_WRITE]");
    }

    @Test
    @DisplayName("a VMM is recognised by its run folder and VM id together, for QEMU and Firecracker")
    void vmmRecognition() {
        String folder = "/run/hearth/vm/job-1/";
        assertThat(OrphanReaper.isVmmOf(List.of("qemu-system-x86_64", "-name", "hearth-job-1", "-qmp",
                "unix:" + folder + "qmp.sock,server=on"), folder, "job-1")).isTrue();
        assertThat(OrphanReaper.isVmmOf(List.of("firecracker", "--api-sock", folder + "firecracker.sock", "--id",
                "job-1"), folder, "job-1")).isTrue();
        assertThat(OrphanReaper.isVmmOf(List.of("qemu-system-x86_64", "-name", "hearth-job-2", "-qmp",
                "unix:" + folder + "qmp.sock"), folder, "job-1")).as("another VM's id").isFalse();
        assertThat(OrphanReaper.isVmmOf(List.of("qemu-system-x86_64", "-name", "hearth-job-1"), folder, "job-1"))
                .as("the id but not the folder (another run root)").isFalse();
    }

    private OrphanReaper reaper(Optional<VmNetwork> net, Instant now) {
        return new OrphanReaper(root, net, InstantSource.fixed(now));
    }

    private Path runDir(String id, OwnerRecord record) throws Exception {
        Path vm = Files.createDirectories(root.resolve(id));
        record.write(vm);
        return vm;
    }

    /** A process that has already exited, so its pid names no one (or someone started later). */
    private static OwnerProcess goneProcess() throws Exception {
        Process p = new ProcessBuilder("true").start();
        OwnerProcess owner = new OwnerProcess(p.pid(), p.info().startInstant().map(Instant::toString).orElse(""));
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return owner;
    }

    /** A stand-in VMM: a shell whose argv names the VM as QEMU's does. */
    private Process fakeVmm(Path vm) throws Exception {
        Process p = spawn("sh", "-c", "while :; do sleep 1; done", "-name", "hearth-" + vm.getFileName(),
                vm + "/qmp.sock");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (OrphanReaper.vmmsOf(vm).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20); // until the shell's command line is readable in /proc
        }
        return p;
    }

    private Process spawn(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).start();
        started.add(p);
        return p;
    }
}
