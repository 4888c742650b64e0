// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.sandbox.OwnerProcess;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.vm.VmNic;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Properties;

/**
 * Who made a VM's run folder and which NIC the VM holds, in the file {@value #FILE} of that folder, so that
 * {@link OrphanReaper} can tell a VM whose owner died (SIGKILL) and free what it held. Written before the NIC is
 * attached and again after, each time whole (temporary file, then rename), so a reader never sees half a record.
 *
 * @param owner the process that made the VM
 * @param nic the VM's NIC, once attached
 */
record OwnerRecord(OwnerProcess owner, Optional<VmNic> nic) {

    /** The record's file name in a VM's run folder. */
    static final String FILE = "owner";

    /** Writes this record into {@code runDir}, mode 600. */
    void write(Path runDir) throws SandboxException {
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(owner.pid()));
        p.setProperty("started", owner.started());
        nic.ifPresent(n -> {
            p.setProperty("tap", n.tapName());
            p.setProperty("mac", n.mac());
            p.setProperty("address", n.guestAddress());
            p.setProperty("prefix", Integer.toString(n.prefixLength()));
            p.setProperty("gateway", n.gateway());
        });
        Path tmp = runDir.resolve(FILE + ".tmp");
        try {
            StringBuilder text = new StringBuilder();
            p.stringPropertyNames().stream().sorted()
                    .forEach(k -> text.append(k).append('=').append(p.getProperty(k)).append('\n'));
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, runDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new SandboxException("cannot record the owner of microVM run folder " + runDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the record of {@code runDir}.
     *
     * @return the record, or empty when the folder has none (not yet written, or not a Hearth VM's folder)
     * @throws IOException when the file exists but cannot be read or does not name a valid owner and NIC
     */
    static Optional<OwnerRecord> read(Path runDir) throws IOException {
        String text;
        try {
            text = Files.readString(runDir.resolve(FILE), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        Properties p = new Properties();
        p.load(new StringReader(text));
        OwnerProcess owner = OwnerProcess.parse(p.getProperty("pid"), p.getProperty("started"))
                .orElseThrow(() -> new IOException("no valid pid in " + runDir.resolve(FILE)));
        Optional<VmNic> nic = Optional.empty();
        if (p.getProperty("tap") != null) {
            try {
                nic = Optional.of(new VmNic(p.getProperty("tap"), p.getProperty("mac"), p.getProperty("address"),
                        Integer.parseInt(p.getProperty("prefix", "")), p.getProperty("gateway")));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IOException("no valid NIC in " + runDir.resolve(FILE) + ": " + e.getMessage(), e);
            }
        }
        return Optional.of(new OwnerRecord(owner, nic));
    }
}
