// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import dev.hearth.core.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The seed's job form, a Python script with pip requirements, as a command: {@code python3 SCRIPT ARGS}, or with
 * requirements a shell that installs them into the job's home first. Requirements need network access; asking
 * for them without it is refused at once instead of failing (or hanging) inside the sandbox.
 */
public final class PythonScript {

    /** Where the requirements file is delivered. */
    public static final String REQUIREMENTS_PATH = "/job/requirements.txt";

    private static final Pattern REQUIREMENT = Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9._-]*(\\[[A-Za-z0-9,._-]+])?((===?|[<>!~]=|[<>])[A-Za-z0-9.*+!_-]+)?"
                    + "(,(===?|[<>!~]=|[<>])[A-Za-z0-9.*+!_-]+)*");

    private PythonScript() {
    }

    /**
     * The argv that runs {@code scriptPath} with {@code args}; adds the requirements file to {@code files} when
     * there are requirements.
     *
     * @param field the flag or field the requirements came from, for error messages
     * @throws InvalidInputException when a requirement is not a package name, or the network is none
     */
    public static List<String> command(String field, String requirements, NetworkMode network, String scriptPath,
            List<String> args, List<JobFile> files) {
        List<String> argv = new ArrayList<>();
        if (requirements == null || requirements.isBlank()) {
            argv.add("python3");
            argv.add(scriptPath);
            argv.addAll(args);
            return argv;
        }
        List<String> packages = List.of(requirements.strip().split("[\\s,]+(?![^\\[]*])"));
        for (String p : packages) {
            if (!REQUIREMENT.matcher(p).matches()) {
                throw new InvalidInputException(field, p,
                        "pip requirement names such as \"numpy pandas==2.2\" separated by spaces");
            }
        }
        if (network == NetworkMode.NONE) {
            throw new InvalidInputException(field, requirements, "packages can only be installed with network "
                    + "access, and the network is none: use --network nat (network: nat in a job file), "
                    + "or an image that already has them");
        }
        files.add(new JobFile(REQUIREMENTS_PATH,
                (String.join("\n", packages) + "\n").getBytes(StandardCharsets.UTF_8), 0644));
        argv.addAll(List.of("sh", "-c", "python3 -m pip install --quiet --user --no-cache-dir "
                + "--disable-pip-version-check -r " + REQUIREMENTS_PATH + " && exec python3 " + scriptPath
                + " \"$@\"", "hearth-job"));
        argv.addAll(args);
        return argv;
    }
}
