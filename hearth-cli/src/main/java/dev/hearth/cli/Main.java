package dev.hearth.cli;

import picocli.CommandLine;

/** Entry point of the {@code hearth} command. */
public final class Main {

    private Main() {
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(HearthCommand.commandLine(System.getenv(), args).execute(args));
    }
}
