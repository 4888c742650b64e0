// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import dev.hearth.sandbox.vm.VmNic;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A second process for {@link HostNetworkTest}: attaches VMs on the same bridge and state folder as the test's JVM,
 * so the allocation lock is shown to hold across processes. Arguments: state folder, namespace, VM id prefix, count.
 * Prints {@code READY}, waits for a line on stdin (so both processes start attaching together), then prints one
 * {@code NIC tap mac address} line per VM.
 */
public final class AttachChild {

    private AttachChild() {
    }

    public static void main(String[] args) throws Exception {
        HostNetwork net = HostNetwork.create(NetworkConfig.defaults().withStateDir(Path.of(args[0])).inNamespace(args[1]));
        System.out.println("READY");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        for (int i = 0; i < Integer.parseInt(args[3]); i++) {
            VmNic nic = net.attach(args[2] + "-" + i);
            System.out.println("NIC " + nic.tapName() + " " + nic.mac() + " " + nic.guestAddress());
        }
        System.out.flush();
    }
}
