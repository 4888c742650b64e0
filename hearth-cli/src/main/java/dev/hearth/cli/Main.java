// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import picocli.CommandLine;

/** Entry point of the {@code hearth} command. */
public final class Main {

    private Main() {
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("run")) { // through a resident process when one answers
            java.util.OptionalInt code = ResidentClient.run(args, System.getenv(), System.out, System.err);
            if (code.isPresent()) {
                System.exit(code.getAsInt());
            }
        }
        System.exit(HearthCommand.commandLine(System.getenv(), args).execute(args));
    }
}
