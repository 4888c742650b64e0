// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The contents of a bridge's allocation file: which VM holds which address and TAP, and which host objects Hearth
 * itself created (so teardown removes those and nothing it found already there). Read and changed only while the
 * {@link AddressBook}'s lock is held; not thread-safe on its own.
 */
final class Ledger {

    /** A host object Hearth created and so must remove on teardown. */
    enum Created { BRIDGE, ADDRESS }

    private final List<Allocation> allocations = new ArrayList<>();
    private final Set<Created> created = new TreeSet<>();
    private boolean changed;

    /** Parses the file's lines; unknown or broken lines are refused rather than guessed at. */
    static Ledger parse(List<String> lines, String file) {
        Ledger l = new Ledger();
        for (String line : lines) {
            String[] w = line.strip().split(" ");
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            } else if (w.length == 4 && w[0].equals("nic") && w[1].matches("[0-9]{1,3}")) {
                l.allocations.add(new Allocation(Integer.parseInt(w[1]), w[2], w[3]));
            } else if (w.length == 2 && w[0].equals("created")) {
                l.created.add(Created.valueOf(w[1]));
            } else {
                throw new IllegalStateException("allocation file " + file + " has a line Hearth did not write: '"
                        + line + "'; fix or remove it (with no VM running on the bridge)");
            }
        }
        return l;
    }

    /** The file's lines, allocations by octet. */
    List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add("# Hearth's host network ledger; written under the lock file beside it");
        created.forEach(c -> out.add("created " + c));
        allocations.stream().sorted(Comparator.comparingInt(Allocation::octet)).forEach(a -> out.add(a.line()));
        return out;
    }

    List<Allocation> allocations() {
        return List.copyOf(allocations);
    }

    Optional<Allocation> byVm(String vmId) {
        return allocations.stream().filter(a -> a.vmId().equals(vmId)).findFirst();
    }

    Optional<Allocation> byTap(String tapName) {
        return allocations.stream().filter(a -> a.tapName().equals(tapName)).findFirst();
    }

    void add(Allocation a) {
        allocations.add(a);
        changed = true;
    }

    void remove(Allocation a) {
        changed |= allocations.remove(a);
    }

    boolean created(Created thing) {
        return created.contains(thing);
    }

    void markCreated(Created thing) {
        changed |= created.add(thing);
    }

    /** Forgets everything: the network is gone. */
    void clear() {
        changed |= !allocations.isEmpty() || !created.isEmpty();
        allocations.clear();
        created.clear();
    }

    boolean changed() {
        return changed;
    }
}
