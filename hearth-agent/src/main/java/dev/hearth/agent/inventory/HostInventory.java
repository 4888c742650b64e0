// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.inventory;

import com.sun.management.OperatingSystemMXBean;
import dev.hearth.core.protocol.GpuReport;
import dev.hearth.core.protocol.HostInfo;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** What the agent reports about its host: name, OS, CPUs, memory, sandbox runtimes and GPUs. */
public final class HostInventory {

    private final NvidiaSmi nvidiaSmi;

    /** An inventory reading GPUs with the given nvidia-smi. */
    public HostInventory(NvidiaSmi nvidiaSmi) {
        this.nvidiaSmi = nvidiaSmi;
    }

    /** The host's facts now. */
    public HostInfo read(List<String> runtimes, String dockerVersion, String agentVersion) {
        return new HostInfo(hostName(), System.getProperty("os.name"), System.getProperty("os.version"),
                arch(), cpus(), memoryBytes(), runtimes, gpus(), dockerVersion, agentVersion);
    }

    /** GPUs now. */
    public List<GpuReport> gpus() {
        return nvidiaSmi.gpus();
    }

    /** Logical CPUs available to this process. */
    public static int cpus() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Physical memory of the host, in bytes. */
    public static long memoryBytes() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return "amd64".equals(a) ? "x86_64" : a;
    }

    /** The host's name. */
    public static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return System.getenv().getOrDefault("HOSTNAME", "localhost");
        }
    }
}
